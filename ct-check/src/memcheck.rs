//! valgrind memcheck client requests, from valgrind's own `valgrind.h`/`memcheck.h` (amd64): the
//! "special instruction" sequence that does nothing natively and asks valgrind to run request
//! `args[0]` when the program runs under it. A few lines of asm rather than the `crabgrind` crate,
//! whose bindgen step would need libclang on every machine that runs the gate.

use core::arch::asm;

/// `VG_USERREQ_TOOL_BASE('M','C') + 1`.
const MAKE_MEM_UNDEFINED: u64 = 0x4d43_0001;
/// `VG_USERREQ_TOOL_BASE('M','C') + 2`.
const MAKE_MEM_DEFINED: u64 = 0x4d43_0002;

fn request(code: u64, start: *const u8, len: usize) {
    let args: [u64; 6] = [code, start as u64, len as u64, 0, 0, 0];
    let mut result: u64 = 0;
    // SAFETY: the rotations of rdi add up to 128 bits and leave it unchanged, `xchg rbx, rbx` is a
    // no-op; natively the sequence only clobbers flags. Under valgrind it reads `args` (valid for
    // six words) and writes the result to rdx.
    unsafe {
        asm!(
            "rol rdi, 3", "rol rdi, 13", "rol rdi, 61", "rol rdi, 51",
            "xchg rbx, rbx",
            inout("rdx") result,
            in("rax") args.as_ptr(),
            options(nostack),
        );
    }
    core::hint::black_box(result);
}

/// Marks every byte of `value` secret: valgrind reports any branch or address that depends on it.
pub fn secret<T: ?Sized>(value: &T) {
    request(
        MAKE_MEM_UNDEFINED,
        (value as *const T).cast(),
        size_of_val(value),
    );
}

/// Declassifies `value`: from here on it may decide branches (used on outputs, to check them).
pub fn public<T: ?Sized>(value: &T) {
    request(
        MAKE_MEM_DEFINED,
        (value as *const T).cast(),
        size_of_val(value),
    );
}

/// Declassifies a small value and returns it read back from memory, so that no register copy made
/// while it was secret is used afterwards.
pub fn declassified<T: Copy>(value: T) -> T {
    let slot = value;
    public(&slot);
    // SAFETY: `slot` is a live, aligned, initialized local.
    unsafe { core::ptr::read_volatile(&slot) }
}
