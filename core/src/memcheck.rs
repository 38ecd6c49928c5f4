//! valgrind memcheck client requests for the constant-time gate (`scripts/ct-check`), from
//! valgrind's own `valgrind.h`/`memcheck.h` (amd64): the "special instruction" sequence that does
//! nothing natively and asks valgrind to run request `args[0]` when the program runs under it. A
//! few lines of asm rather than the `crabgrind` crate, whose bindgen step would need libclang on
//! every machine that runs the gate. On other architectures the requests do nothing.
//!
//! The gate's harness marks secrets with `secret` (feature `ct-gate`); the core itself only
//! declassifies, through `declassify`, and tells valgrind so only when built with
//! `--cfg hecate_ct_gate`.

use crypto_bigint::Choice;

#[cfg(any(feature = "ct-gate", hecate_ct_gate))]
pub use requests::*;

/// Makes a bit derived from secrets public on purpose (whether an input was valid, a comparison's
/// result): natively `to_bool`; under the gate (`--cfg hecate_ct_gate`) valgrind is also told that
/// the bit is public, so that it reports every other use of a secret.
pub(crate) fn declassify(choice: Choice) -> bool {
    #[cfg(hecate_ct_gate)]
    let choice = Choice::from_u8_lsb(declassified(choice.to_u8()));
    choice.to_bool()
}

/// A value derived from secrets that is public by design (python-paillier's exponent of a float,
/// which travels in the clear): natively the value itself; under the gate, declassified.
pub(crate) fn declassify_value<T: Copy>(value: T) -> T {
    #[cfg(hecate_ct_gate)]
    let value = declassified(value);
    value
}

/// A secret the core draws itself (the answer mask ρ): natively the value itself; under the gate
/// it is marked secret, so that valgrind checks every use of it as it does the harness's secrets.
pub(crate) fn drawn_secret<T: Copy>(value: T) -> T {
    #[cfg(hecate_ct_gate)]
    let value = secret_value(value);
    value
}

/// The client requests: for the gate's harness (feature `ct-gate`) and for `declassify` under the
/// gate (`--cfg hecate_ct_gate`); absent from ordinary builds.
#[cfg(any(feature = "ct-gate", hecate_ct_gate))]
#[allow(unsafe_code, reason = "valgrind client requests are inline asm")]
mod requests {
    use crate::{EncodedNumber, KeySize, Model, Plaintext};

    /// `VG_USERREQ_TOOL_BASE('M','C') + 1`.
    const MAKE_MEM_UNDEFINED: u64 = 0x4d43_0001;
    /// `VG_USERREQ_TOOL_BASE('M','C') + 2`.
    const MAKE_MEM_DEFINED: u64 = 0x4d43_0002;

    #[cfg(target_arch = "x86_64")]
    fn request(code: u64, start: *const u8, len: usize) {
        let args: [u64; 6] = [code, start as u64, len as u64, 0, 0, 0];
        let mut result: u64 = 0;
        // SAFETY: the rotations of rdi add up to 128 bits and leave it unchanged, `xchg rbx, rbx` is a
        // no-op; natively the sequence only clobbers flags. Under valgrind it reads `args` (valid for
        // six words) and writes the result to rdx.
        unsafe {
            core::arch::asm!(
                "rol rdi, 3", "rol rdi, 13", "rol rdi, 61", "rol rdi, 51",
                "xchg rbx, rbx",
                inout("rdx") result,
                in("rax") args.as_ptr(),
                options(nostack),
            );
        }
        core::hint::black_box(result);
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn request(_code: u64, _start: *const u8, _len: usize) {}

    /// Marks every byte of `value` secret: valgrind reports any branch or address that depends on it.
    /// Takes `&mut` so that the compiler cannot reuse a copy it loaded before the request.
    pub fn secret<T: ?Sized>(value: &mut T) {
        request(
            MAKE_MEM_UNDEFINED,
            (value as *const T).cast(),
            size_of_val(value),
        );
    }

    /// Marks a model's weights and intercept secret (its names, id and weight exponent are public).
    pub fn secret_weights(model: &mut Model) {
        for weight in &mut model.weights {
            secret(weight);
        }
        secret(&mut model.intercept);
        secret(&mut model.intercept_exponent);
    }

    /// Marks a plaintext's value secret (the key it belongs to is public).
    pub fn secret_plaintext<S: KeySize>(plaintext: &mut Plaintext<S>) {
        secret(plaintext.value_mut());
    }

    /// Marks an encoded number's mantissa secret (its exponent and key are public).
    pub fn secret_number<S: KeySize>(number: &mut EncodedNumber<S>) {
        secret(number.plaintext_mut().value_mut());
    }

    /// Declassifies `value`: from here on it may decide branches (used on outputs, to check them).
    pub fn public<T: ?Sized>(value: &T) {
        request(
            MAKE_MEM_DEFINED,
            (value as *const T).cast(),
            size_of_val(value),
        );
    }

    /// Marks a value secret and returns it read back from memory, so that every copy of it is.
    pub fn secret_value<T: Copy>(value: T) -> T {
        let mut slot = value;
        secret(&mut slot);
        // SAFETY: `slot` is a live, aligned, initialized local.
        unsafe { core::ptr::read_volatile(&slot) }
    }

    /// Declassifies a small value and returns it read back from memory, so that no register copy made
    /// while it was secret is used afterwards.
    pub fn declassified<T: Copy>(value: T) -> T {
        let slot = value;
        public(&slot);
        // SAFETY: `slot` is a live, aligned, initialized local.
        unsafe { core::ptr::read_volatile(&slot) }
    }
}
