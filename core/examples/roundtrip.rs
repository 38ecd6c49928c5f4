//! Hecate's story end to end with the core alone: a customer encrypts four features, a company
//! evaluates an integer linear model on the ciphertexts, the customer decrypts the prediction.
//! Prints how long each step took.
//!
//! ```text
//! cargo run --release --example roundtrip [-- --bits 2048|3072|4096]
//! ```

use core::time::Duration;
use std::time::Instant;

use hecate::crypto_bigint::{I64, Integer as _};
use hecate::{KeySize, Paillier2048, Paillier3072, Paillier4096, Plaintext, PrivateKey};

/// The customer's features: age, healthy-eating scale, active-worklife scale, gender.
const FEATURES: [(&str, u64); 4] = [
    ("age", 36),
    ("healthy_eating", 5),
    ("active_lifestyle", 5),
    ("gender", 1),
];
/// The company's model, in whole currency units: salary = 40·age + 150·eating − 20·active + 90·gender + 300.
const WEIGHTS: [i64; 4] = [40, 150, -20, 90];
const INTERCEPT: u64 = 300;

fn timed<T>(label: &str, work: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = work();
    let elapsed = start.elapsed();
    println!("  {label:<34} {:>9.2} ms", elapsed.as_secs_f64() * 1e3);
    (out, elapsed)
}

fn run<S: KeySize>() -> Result<(), hecate::Error> {
    let mut rng = rand::rng();
    println!("Paillier with a {}-bit modulus", S::BITS);

    println!("customer:");
    let (key, _) = timed("generate key", || PrivateKey::<S>::generate(&mut rng));
    let key = key?;
    let public = key.public_key();
    let (query, _) = timed("encrypt 4 features (public key)", || {
        FEATURES.map(|(_, value)| public.encrypt(&Plaintext::from_u64(value), &mut rng))
    });
    timed("encrypt 4 features (CRT, key holder)", || {
        FEATURES.map(|(_, value)| key.encrypt(&Plaintext::from_u64(value), &mut rng))
    });

    println!("company (sees only ciphertexts):");
    let (answer, _) = timed(
        "Enc(b)·Π c_i^w_i, re-randomized",
        || -> Result<_, hecate::Error> {
            let mut sum = public.encrypt(&Plaintext::from_u64(INTERCEPT), &mut rng);
            for (c, weight) in query.iter().zip(WEIGHTS) {
                sum = public.add(&sum, &public.mul_scalar(c, &I64::from_i64(weight))?);
            }
            Ok(public.rerandomize(&sum, &mut rng))
        },
    );
    let answer = answer?;

    println!("customer:");
    let (prediction, _) = timed("decrypt", || key.decrypt(&answer));
    let expected: i128 = FEATURES
        .iter()
        .zip(WEIGHTS)
        .map(|((_, x), w)| i128::from(w) * i128::from(*x))
        .sum::<i128>()
        + i128::from(INTERCEPT);
    // The prediction is a small non-negative integer here (signed fixed-point encoding comes with
    // the model layer): its low limb holds all of it.
    let limbs = prediction.value().as_limbs();
    let fits = limbs.iter().skip(1).all(|limb| limb.0 == 0);
    match limbs.first() {
        Some(low) if fits => println!(
            "predicted salary: {} (the plaintext model gives {expected})",
            low.0
        ),
        _ => println!("prediction does not fit in 64 bits (the plaintext model gives {expected})"),
    }
    Ok(())
}

fn main() {
    let bits = std::env::args()
        .skip_while(|arg| arg != "--bits")
        .nth(1)
        .unwrap_or_else(|| "2048".into());
    let result = match bits.as_str() {
        "2048" => run::<Paillier2048>(),
        "3072" => run::<Paillier3072>(),
        "4096" => run::<Paillier4096>(),
        other => {
            eprintln!("roundtrip: --bits must be 2048, 3072 or 4096, not {other}");
            std::process::exit(2);
        }
    };
    if let Err(error) = result {
        eprintln!("roundtrip: {error}");
        std::process::exit(1);
    }
}
