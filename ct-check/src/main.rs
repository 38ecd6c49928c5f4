//! The constant-time gate's harness. `scripts/ct-check` builds it with `--cfg hecate_ct_gate` (so
//! that the core tells valgrind where it declassifies a bit on purpose) and runs it under valgrind
//! memcheck:
//!
//! - `hecate-ct-check secret-paths` marks every secret undefined (the whole private key, plaintexts,
//!   encryption randomness, scalars, the model's weights, the customer's feature values) and runs
//!   each operation that touches them (the masked answer and its unmasking included); memcheck
//!   must report nothing.
//! - `hecate-ct-check secret-paths-ifma` does the same on the AVX-512 IFMA backend's code, its
//!   vector instructions emulated on plain lanes (valgrind cannot run AVX-512): the digit
//!   conversions, the product's scalar steps and carries, the windows and the masked table scan.
//! - `hecate-ct-check canary` runs a variable-time exponentiation and a branch on a marked secret;
//!   memcheck must report them, which shows the gate can fail.
//!
//! Outputs are declassified before they are checked, and every check must pass: a gate that runs
//! wrong arithmetic proves nothing. What is not covered, and why, is in the README ("Constant
//! time"): key construction and generation, and the rejection sampling of fresh randomness.

#![allow(clippy::print_stdout, reason = "a command-line harness")]

use std::process::ExitCode;

use hecate::crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use hecate::crypto_bigint::{CtEq, I128, Odd, RandomMod, U2048};
use hecate::hazmat::{encrypt_crt_with_nonce, encrypt_with_nonce};
use hecate::memcheck::{
    declassified, public, secret, secret_number, secret_plaintext, secret_weights,
};
use hecate::{
    Ciphertext, DEFAULT_FEATURE_EXPONENT, EncodedNumber, FeatureSpec, Integer, KeySize,
    MAX_MESSAGE_LEN, Model, Paillier2048, Plaintext, PrivateKey, Query, decimal_digits,
};
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

fn decrypts_to(key: &PrivateKey<S>, c: &Ciphertext<S>, m: &Plaintext<S>) -> Result<bool, Wrong> {
    let out = key.decrypt(c).map_err(|_| Wrong("decrypt"))?;
    public(&out);
    Ok(out == *m)
}

/// Paillier itself: encryption (public and CRT), decryption, key-holder randomization, scalar
/// multiplication, constant-time comparisons.
fn paillier(
    key: &mut PrivateKey<S>,
    other: &mut PrivateKey<S>,
    rng: &mut ChaCha20Rng,
) -> Result<(), Wrong> {
    let public_key = key.public_key().clone();
    let mut m = Plaintext::<S>::from_u64(M);
    let n = Odd::new(*public_key.n())
        .into_option()
        .ok_or(Wrong("odd n"))?;
    let mut r = <S as KeySize>::N::random_mod_vartime(rng, n.as_nz_ref());
    let expected =
        encrypt_with_nonce(&public_key, &m, &r).map_err(|_| Wrong("encrypt with nonce"))?;

    // The whole private key is secret; its public part (n, n²) is public again.
    secret(key);
    public(key.public_key());
    secret(other);
    secret_plaintext(&mut m);
    secret(&mut r);

    let c = encrypt_with_nonce(&public_key, &m, &r).map_err(|_| Wrong("encrypt with nonce"))?;
    public(&c);
    check(c == expected, "public-key encryption")?;
    let c = encrypt_crt_with_nonce(key, &m, &r).map_err(|_| Wrong("encrypt crt with nonce"))?;
    public(&c);
    check(c == expected, "CRT encryption")?;

    let reference = Plaintext::from_u64(M);
    check(decrypts_to(key, &c, &reference)?, "decryption")?;
    let fresh = key.encrypt(&m, rng).map_err(|_| Wrong("encrypt"))?;
    public(&fresh);
    check(
        fresh != c && decrypts_to(key, &fresh, &reference)?,
        "CRT encryption, fresh r",
    )?;
    let rerandomized = key.rerandomize(&c, rng).map_err(|_| Wrong("rerandomize"))?;
    public(&rerandomized);
    check(
        rerandomized != c && decrypts_to(key, &rerandomized, &reference)?,
        "CRT re-randomization",
    )?;

    let doubled = public_key
        .add_plaintext(&c, &m)
        .map_err(|_| Wrong("add plaintext"))?;
    public(&doubled);
    check(
        decrypts_to(key, &doubled, &Plaintext::from_u64(2 * M))?,
        "adding a plaintext",
    )?;

    for magnitude in [1, 7, 1 << 30] {
        let mut positive = I128::from_i64(magnitude);
        let mut negative = I128::from_i64(-magnitude);
        secret(&mut positive);
        secret(&mut negative);
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
            decrypts_to(key, &times_positive, &product)?,
            "scalar multiplication",
        )?;
        let zero = public_key
            .add(&times_positive, &times_negative)
            .map_err(|_| Wrong("add"))?;
        check(
            decrypts_to(key, &zero, &Plaintext::from_u64(0))?,
            "negative scalar multiplication",
        )?;
    }

    // A secret value checked against n: only the verdict is declassified.
    let mut value = <S as KeySize>::N::from(M);
    secret(&mut value);
    check(public_key.plaintext(value).is_ok(), "plaintext range check")?;

    let same_key = declassified(key.ct_eq(&key.clone()));
    let different_key = declassified(key.ct_eq(other));
    let same_plaintext = declassified(m.ct_eq(&m.clone()));
    check(
        same_key.to_bool() && !different_key.to_bool() && same_plaintext.to_bool(),
        "ct_eq",
    )
}

/// Hecate's job: secret feature values encoded and encrypted for the model's card, the key's proof
/// of being well formed made with the secret primes, a model with secret weights answering with a
/// masked prediction, the answer unmasked, decrypted and decoded with the plaintext secret; and the
/// unprotected (unmasked) prediction on features at one fixed exponent.
fn prediction(key: &mut PrivateKey<S>, rng: &mut ChaCha20Rng) -> Result<(), Wrong> {
    let public_key = key.public_key().clone();
    let names = ["age", "healthy_eating", "active_lifestyle", "gender"];
    let weights = [
        -0.590_837_304_560_336_3,
        466.419_339_001_650_3,
        -184.499_716_928_336_8,
        2.336_641_043_259_744_4,
    ];
    // Public: each feature's exponent and declared range, on the card.
    let spec = |low, high| FeatureSpec::from_range(-1, low, high).map_err(|_| Wrong("spec"));
    let specs = [
        spec(18.0, 100.0)?,
        spec(0.0, 10.0)?,
        spec(0.0, 10.0)?,
        spec(0.0, 1.0)?,
    ];
    let (mut model, _) = Model::from_f64(
        "salary",
        &names,
        &specs,
        &weights,
        993.119_901_616_697_1,
        rng,
    )
    .map_err(|_| Wrong("model"))?;
    let card = model.card(&[S::BITS]).map_err(|_| Wrong("card"))?;
    let mut features = [36.0, 5.0, 5.0, 1.0];
    let expected = model.evaluate(&features).map_err(|_| Wrong("evaluate"))?;

    secret(key);
    public(key.public_key());
    secret_weights(&mut model);
    secret(&mut features);

    // Customer: prove the key (secret primes; the proof is public), encode at the card's exponents
    // with the range check, and encrypt. The exponents travel in the clear: the query is public.
    let proof = key.prove_key().map_err(|_| Wrong("prove key"))?;
    public(&proof);
    // Through the CRT, as the customer's CLI and app do (the public key's path is below).
    let encrypted = key
        .encrypt_for_card(&card, &features, rng)
        .map_err(|_| Wrong("encrypt for card"))?;
    public(&encrypted);
    let query = Query {
        key: public_key.clone(),
        proof: Some(proof),
        model: Some(card.id()),
        names: card.features().iter().cloned().collect(),
        features: encrypted,
    };
    check(query.verify_key().is_ok(), "key proof")?;

    // Company: answer with secret weights, masked.
    let answer = model
        .answer_with_verified_key(&query, rng)
        .map_err(|_| Wrong("answer"))?;
    public(&answer);
    check(answer.mask_bits == card.mask_bits(), "mask length")?;
    // Customer: decrypt, unmask and decode with the plaintext secret.
    let mut number = key
        .decrypt_answer(&answer)
        .map_err(|_| Wrong("decrypt answer"))?;
    secret_number(&mut number);
    let value = declassified(number.decode(&public_key).map_err(|_| Wrong("decode"))?);
    check(
        (value - expected).abs() <= 1e-9 * expected.abs(),
        "masked prediction",
    )?;

    // The unprotected prediction, on features at one fixed exponent.
    let fixed = public_key
        .encrypt_features(&features, DEFAULT_FEATURE_EXPONENT, rng)
        .map_err(|_| Wrong("encrypt features"))?;
    public(&fixed);
    let answer = model
        .predict_unprotected(&public_key, &fixed, rng)
        .map_err(|_| Wrong("predict unprotected"))?;
    public(&answer);
    let mut number = key
        .decrypt_number(&answer)
        .map_err(|_| Wrong("decrypt number"))?;
    secret_number(&mut number);
    let value = declassified(number.decode(&public_key).map_err(|_| Wrong("decode"))?);
    check(
        (value - expected).abs() <= 1e-9 * expected.abs(),
        "unprotected prediction",
    )?;

    // Exponent changes and exact decoding of a secret number.
    let mut x = -2.5f64;
    secret(&mut x);
    let number = EncodedNumber::from_f64_at(&public_key, x, -1).map_err(|_| Wrong("encode"))?;
    let lowered = number
        .with_exponent(&public_key, -4)
        .map_err(|_| Wrong("lower exponent"))?;
    let value = declassified(lowered.decode(&public_key).map_err(|_| Wrong("decode"))?);
    check(value == -2.5, "exponent change")
}

/// Building a model from secret coefficients, and writing and reading secret files: private keys
/// and models (their checksum, too, is computed without table lookups).
fn secret_files(key: &mut PrivateKey<S>, rng: &mut ChaCha20Rng) -> Result<(), Wrong> {
    let names = ["a", "b", "c"];
    let mut weights = [1e40, -3.25e-12, 0.0];
    let mut intercept = -7.5;
    secret(&mut weights);
    secret(&mut intercept);
    let specs = [FeatureSpec::new(0, -1, 1).map_err(|_| Wrong("spec"))?; 3];
    let (mut model, _) = Model::from_f64("y", &names, &specs, &weights, intercept, rng)
        .map_err(|_| Wrong("model"))?;
    secret_weights(&mut model);
    let mut buffer = vec![0u8; MAX_MESSAGE_LEN];
    let len = model
        .to_bytes(&mut buffer)
        .map_err(|_| Wrong("model to bytes"))?;
    let mut bytes = buffer.get(..len).ok_or(Wrong("model length"))?.to_vec();
    let read = Model::from_bytes(&bytes).map_err(|_| Wrong("model from bytes"))?;
    check(
        declassified(read.ct_eq(&model)).to_bool(),
        "model round trip",
    )?;
    secret(key);
    public(key.public_key());
    let len = key
        .to_bytes(&mut buffer)
        .map_err(|_| Wrong("key to bytes"))?;
    bytes.clear();
    bytes.extend_from_slice(buffer.get(..len).ok_or(Wrong("key length"))?);
    public(&bytes[..]);
    let read = PrivateKey::<S>::from_bytes(&bytes, rng).map_err(|_| Wrong("key from bytes"))?;
    check(
        declassified(read.ct_eq(key)).to_bool(),
        "private key round trip",
    )
}

/// A key to and from python-paillier's files: its secret primes written as decimal digits and read
/// back from them.
fn imported_primes(key: &PrivateKey<S>) -> Result<(), Wrong> {
    let mut primes = [*key.primes().0, *key.primes().1];
    for prime in &mut primes {
        secret(prime);
        // All the digits a prime of the width can have, leading zeros included: a fixed count.
        let mut digits = [0u8; <S as KeySize>::P::DECIMAL_DIGITS];
        // Only the digit count comes out public (the core declassifies it).
        let written = prime
            .write_decimal(&mut digits)
            .map_err(|_| Wrong("primes written as decimal"))?
            .len();
        let read = <S as KeySize>::P::from_decimal(&digits);
        check(
            declassified(read.is_some() & read.unwrap_or_default().ct_eq(prime)).to_bool()
                && written >= decimal_digits(<S as KeySize>::P::BITS as usize) - 1,
            "primes written and read as decimal",
        )?;
    }
    Ok(())
}

/// The secret paths, on the IFMA backend's code with its lanes emulated if `emulate_ifma` (the
/// keys generated before: key generation is not on the gate's paths).
fn secret_paths(emulate_ifma: bool) -> Result<(), Wrong> {
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let mut key = PrivateKey::<S>::generate(&mut rng).map_err(|_| Wrong("key generation"))?;
    let mut other = PrivateKey::<S>::generate(&mut rng).map_err(|_| Wrong("key generation"))?;
    if emulate_ifma {
        #[cfg(all(hecate_ct_gate, target_arch = "x86_64"))]
        hecate::Arithmetic::emulate_ifma();
    }
    paillier(&mut key.clone(), &mut other, &mut rng)?;
    secret_files(&mut key.clone(), &mut rng)?;
    imported_primes(&key)?;
    prediction(&mut key, &mut rng)
}

/// Known leaks that memcheck must report.
fn canary() {
    let Some(modulus) = Odd::new(U2048::from_u64(0xffff_ffff_ffff_ffc5)).into_option() else {
        return;
    };
    let params = FixedMontyParams::new_vartime(modulus);
    let mut exponent = U2048::from_u64(0b1011_0010);
    secret(&mut exponent);
    let power = FixedMontyForm::new(&U2048::from_u64(3), &params).pow_vartime(&exponent);
    public(&power);
    let mut byte = core::hint::black_box([0x5au8]);
    secret(&mut byte);
    if byte[0] & 1 == 0 {
        println!("canary: branched on a secret bit");
    }
    println!(
        "canary: ran a variable-time exponentiation ({:?})",
        power.retrieve().as_limbs()[0]
    );
}

fn main() -> ExitCode {
    if !cfg!(hecate_ct_gate) {
        println!("ct-check: build with RUSTFLAGS=\"--cfg hecate_ct_gate\" (scripts/ct-check does)");
        return ExitCode::from(2);
    }
    match std::env::args().nth(1).as_deref() {
        // The IFMA backend's code on emulated lanes: valgrind cannot run the instructions.
        Some(mode @ ("secret-paths" | "secret-paths-ifma")) => {
            match secret_paths(mode == "secret-paths-ifma") {
                Ok(()) => {
                    println!("ct-check: secret paths ran and gave the right answers");
                    ExitCode::SUCCESS
                }
                Err(Wrong(what)) => {
                    println!("ct-check: WRONG RESULT in {what}");
                    ExitCode::from(2)
                }
            }
        }
        Some("canary") => {
            canary();
            ExitCode::SUCCESS
        }
        _ => {
            println!("usage: hecate-ct-check secret-paths|secret-paths-ifma|canary");
            ExitCode::from(2)
        }
    }
}
