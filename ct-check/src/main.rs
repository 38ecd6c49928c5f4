//! The constant-time gate's harness. `scripts/ct-check` runs it under valgrind memcheck:
//!
//! - `hecate-ct-check secret-paths` marks every secret undefined (the whole private key, plaintexts,
//!   encryption randomness, scalars) and runs each operation that touches them; memcheck must
//!   report nothing.
//! - `hecate-ct-check canary` runs a variable-time exponentiation and a branch on a marked secret;
//!   memcheck must report them, which shows the gate can fail.
//!
//! Outputs are declassified before they are checked, and every check must pass: a gate that runs
//! wrong arithmetic proves nothing.
//!
//! Declassified on purpose: key construction (`PrivateKey::from_primes`, run by `generate`) happens
//! before the key is marked. It runs once per key, never per message, and its reports are of two
//! kinds: crypto-primes' primality test, variable time by design, and crypto-bigint's
//! `FixedMontyParams::new` on p and p², whose only branches are assertion guards that go the same
//! way for every odd modulus (see README, "Constant time").

#![allow(unsafe_code, reason = "valgrind client requests are inline asm")]
#![allow(clippy::print_stdout, reason = "a command-line harness")]

mod memcheck;

use std::process::ExitCode;

use hecate::crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use hecate::crypto_bigint::{I128, Odd, RandomMod, U2048};
use hecate::hazmat::{encrypt_crt_with_nonce, encrypt_with_nonce};
use hecate::{Ciphertext, KeySize, Paillier2048, Plaintext, PrivateKey};
use memcheck::{declassified, public, secret};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

type S = Paillier2048;

/// The secret plaintext; small enough that its multiples below stay below 2^64.
const M: u64 = 0x9abc_def0;

/// A failed check of the harness's own arithmetic.
#[derive(Debug)]
struct Wrong(&'static str);

fn check(ok: bool, what: &'static str) -> Result<(), Wrong> {
    if ok { Ok(()) } else { Err(Wrong(what)) }
}

fn decrypts_to(key: &PrivateKey<S>, c: &Ciphertext<S>, m: &Plaintext<S>) -> bool {
    let out = key.decrypt(c);
    public(&out);
    out == *m
}

fn secret_paths() -> Result<(), Wrong> {
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let key = PrivateKey::<S>::generate(&mut rng).map_err(|_| Wrong("key generation"))?;
    let other = PrivateKey::<S>::generate(&mut rng).map_err(|_| Wrong("key generation"))?;
    let public_key = key.public_key().clone();
    let m = Plaintext::<S>::from_u64(M);
    let r = <S as KeySize>::N::random_mod_vartime(
        &mut rng,
        Odd::new(*public_key.n()).expect("odd n").as_nz_ref(),
    );
    let expected = encrypt_with_nonce(&public_key, &m, &r);

    // The whole private key is secret; its public part (n, n²) is public again.
    secret(&key);
    public(key.public_key());
    secret(&other);
    secret(&m);
    secret(&r);

    // Encryption from the public key: secret m and r.
    let c = encrypt_with_nonce(&public_key, &m, &r);
    public(&c);
    check(c == expected, "public-key encryption")?;

    // Encryption through the CRT: secret key, m and r.
    let c = encrypt_crt_with_nonce(&key, &m, &r);
    public(&c);
    check(c == expected, "CRT encryption")?;

    // Decryption.
    let reference = Plaintext::from_u64(M);
    check(decrypts_to(&key, &c, &reference), "decryption")?;

    // Key-holder encryption and re-randomization with fresh randomness.
    let fresh = key.encrypt(&m, &mut rng);
    public(&fresh);
    check(
        fresh != c && decrypts_to(&key, &fresh, &reference),
        "CRT encryption, fresh r",
    )?;
    let rerandomized = key.rerandomize(&c, &mut rng);
    public(&rerandomized);
    check(
        rerandomized != c && decrypts_to(&key, &rerandomized, &reference),
        "CRT re-randomization",
    )?;

    // Adding a secret plaintext.
    let doubled = public_key.add_plaintext(&c, &m);
    public(&doubled);
    check(
        decrypts_to(&key, &doubled, &Plaintext::from_u64(2 * M)),
        "adding a plaintext",
    )?;

    // Multiplying by secret scalars of either sign (the company's weights).
    for magnitude in [1, 7, 1 << 30] {
        let positive = I128::from_i64(magnitude);
        let negative = I128::from_i64(-magnitude);
        secret(&positive);
        secret(&negative);
        let times_positive = public_key
            .mul_scalar(&c, &positive)
            .map_err(|_| Wrong("scalar"))?;
        let times_negative = public_key
            .mul_scalar(&c, &negative)
            .map_err(|_| Wrong("scalar"))?;
        public(&times_positive);
        public(&times_negative);
        let product = Plaintext::from_u64(magnitude.unsigned_abs() * M);
        check(
            decrypts_to(&key, &times_positive, &product),
            "scalar multiplication",
        )?;
        let zero = public_key.add(&times_positive, &times_negative);
        check(
            decrypts_to(&key, &zero, &Plaintext::from_u64(0)),
            "negative scalar multiplication",
        )?;
    }

    // Constant-time comparisons of secrets; only their results are declassified.
    let same_key = declassified(key.ct_eq(&key.clone()));
    let different_key = declassified(key.ct_eq(&other));
    let same_plaintext = declassified(m.ct_eq(&m.clone()));
    check(
        same_key.to_bool() && !different_key.to_bool() && same_plaintext.to_bool(),
        "ct_eq",
    )
}

/// Known leaks that memcheck must report.
fn canary() {
    let modulus = Odd::new(U2048::from_u64(0xffff_ffff_ffff_ffc5)).expect("odd");
    let params = FixedMontyParams::new_vartime(modulus);
    let exponent = U2048::from_u64(0b1011_0010);
    secret(&exponent);
    let power = FixedMontyForm::new(&U2048::from_u64(3), &params).pow_vartime(&exponent);
    public(&power);
    let byte = core::hint::black_box([0x5au8]);
    secret(&byte);
    if byte[0] & 1 == 0 {
        println!("canary: branched on a secret bit");
    }
    println!(
        "canary: ran a variable-time exponentiation ({:?})",
        power.retrieve().as_limbs()[0]
    );
}

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("secret-paths") => match secret_paths() {
            Ok(()) => {
                println!("ct-check: secret paths ran and gave the right answers");
                ExitCode::SUCCESS
            }
            Err(Wrong(what)) => {
                println!("ct-check: WRONG RESULT in {what}");
                ExitCode::from(2)
            }
        },
        Some("canary") => {
            canary();
            ExitCode::SUCCESS
        }
        _ => {
            println!("usage: hecate-ct-check secret-paths|canary");
            ExitCode::from(2)
        }
    }
}
