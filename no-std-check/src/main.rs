//! Generates a 2048-bit key, encrypts, adds homomorphically and decrypts, with no `std` and no heap,
//! then exits 0 (or 1 if the sum is wrong). A firmware image would do the same with its own RNG.

#![no_std]
#![no_main]

use core::panic::PanicInfo;

use hecate::{Paillier2048, Plaintext, PrivateKey};
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

fn run() -> bool {
    // A fixed seed: this binary proves linking and arithmetic, it protects no data.
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let Ok(key) = PrivateKey::<Paillier2048>::generate(&mut rng) else {
        return false;
    };
    let public = key.public_key();
    let (Ok(a), Ok(b)) = (
        public.encrypt(&Plaintext::from_u64(40), &mut rng),
        key.encrypt(&Plaintext::from_u64(2), &mut rng),
    ) else {
        return false;
    };
    public
        .add(&a, &b)
        .and_then(|sum| key.decrypt(&sum))
        .is_ok_and(|m| m == Plaintext::from_u64(42))
}

extern "C" fn start() -> ! {
    let ok = run();
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
