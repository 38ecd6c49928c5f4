//! Generates a 2048-bit key, encrypts, adds homomorphically and decrypts, with no `std` and no heap,
//! and prints the stack each step used; exits 0, or 1 if the sum is wrong or a step is over its
//! stack budget. A firmware image would do the same with its own RNG.

#![no_std]
#![no_main]

use core::panic::PanicInfo;

use hecate::{Arithmetic, Paillier2048, Plaintext, PrivateKey};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

unsafe extern "C" {
    fn write(fd: i32, buf: *const u8, count: usize) -> isize;
    fn exit(code: i32) -> !;
}

fn say(message: &str) {
    // SAFETY: `message` is valid for `message.len()` bytes; fd 1 is stdout.
    unsafe { write(1, message.as_ptr(), message.len()) };
}

/// Bytes painted below the caller's stack frame before each step (the binary runs with Linux's
/// default 8 MiB stack); the deepest byte a step changed gives its peak use.
const PAINTED: usize = 256 * 1024;
const PAINT: u8 = 0xa5;
/// The most stack a step may use: the customer's operations fit 37 KiB on either arithmetic
/// (measured on AVX-512 IFMA; key generation, the deepest, holds a few copies of the key, whose
/// moduli keep the IFMA backend's R²), and firmware budgets its stack.
const STACK_BUDGET: usize = 40 * 1024;

fn stack_pointer() -> usize {
    let pointer: usize;
    // SAFETY: reads the stack pointer, touches nothing.
    unsafe { core::arch::asm!("mov {}, rsp", out(reg) pointer) };
    pointer
}

/// Fills the `PAINTED` bytes below this function's frame, which the caller's next call will use.
#[inline(never)]
fn paint() {
    let bottom = stack_pointer() - PAINTED;
    for offset in 0..PAINTED {
        // SAFETY: below the stack pointer, inside the 8 MiB stack: no live data is there.
        unsafe { core::ptr::write_volatile((bottom + offset) as *mut u8, PAINT) };
    }
}

/// `step`'s result and the bytes of stack it used below the caller's frame.
#[inline(never)]
fn measured<T>(step: impl FnOnce() -> T) -> (T, usize) {
    let top = stack_pointer();
    paint();
    let result = core::hint::black_box(step());
    let bottom = top - PAINTED;
    let deepest = (0..PAINTED)
        // SAFETY: the painted region, below the stack pointer again.
        .find(
            |&offset| unsafe { core::ptr::read_volatile((bottom + offset) as *const u8) } != PAINT,
        )
        .unwrap_or(PAINTED);
    (result, PAINTED - deepest)
}

/// Writes `n` in decimal.
fn say_number(n: usize) {
    let mut digits = [0u8; 20];
    let mut rest = n;
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    say(core::str::from_utf8(&digits[start..]).unwrap_or("?"));
}

/// Prints a step's stack use; false if it is over [`STACK_BUDGET`].
fn report(step: &str, bytes: usize) -> bool {
    say("  stack, ");
    say(step);
    say(": ");
    say_number(bytes.div_ceil(1024));
    let within = bytes <= STACK_BUDGET;
    say(if within {
        " KiB\n"
    } else {
        " KiB: OVER BUDGET\n"
    });
    within
}

fn run() -> bool {
    // A fixed seed: this binary proves linking and arithmetic, it protects no data.
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let (key, bytes) = measured(|| PrivateKey::<Paillier2048>::generate(&mut rng));
    let mut within = report("keygen", bytes);
    let Ok(key) = key else {
        return false;
    };
    let public = key.public_key();
    let (a, bytes) = measured(|| public.encrypt(&Plaintext::from_u64(40), &mut rng));
    within &= report("encrypt (public key)", bytes);
    let (b, bytes) = measured(|| key.encrypt(&Plaintext::from_u64(2), &mut rng));
    within &= report("encrypt (key holder)", bytes);
    let (Ok(a), Ok(b)) = (a, b) else {
        return false;
    };
    let (sum, bytes) = measured(|| public.add(&a, &b));
    within &= report("add", bytes);
    let Ok(sum) = sum else {
        return false;
    };
    let (m, bytes) = measured(|| key.decrypt(&sum));
    within &= report("decrypt", bytes);
    within && m.is_ok_and(|m| m == Plaintext::from_u64(42))
}

extern "C" fn start() -> ! {
    // On the CPU's arithmetic (AVX-512 IFMA where it has it), then on the portable one.
    say("arithmetic: ");
    say(Arithmetic::in_use().name());
    say("\n");
    let mut ok = run();
    if Arithmetic::in_use() != Arithmetic::Portable {
        Arithmetic::force_portable();
        say("arithmetic: portable\n");
        ok &= run();
    }
    say(if ok {
        "no_std hecate: 40 + 2 = 42 under Paillier-2048\n"
    } else {
        "no_std hecate: WRONG\n"
    });
    // SAFETY: libc's exit ends the process.
    unsafe { exit(if ok { 0 } else { 1 }) }
}

/// Entry point: the kernel enters with the stack 16-byte aligned minus nothing pushed; align it
/// for the System V ABI and call `start`.
#[unsafe(naked)]
#[unsafe(no_mangle)]
extern "C" fn _start() -> ! {
    core::arch::naked_asm!("xor ebp, ebp", "and rsp, -16", "call {start}", "ud2", start = sym start)
}

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    say("no_std hecate: panic\n");
    // SAFETY: libc's exit ends the process.
    unsafe { exit(101) }
}

/// The precompiled libcore refers to the unwinding personality even with panic = "abort".
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}
