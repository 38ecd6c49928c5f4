//! Hecate's story end to end with the core alone: a customer encrypts four features, a company
//! evaluates its linear model on the ciphertexts, the customer decrypts the predicted salary.
//! Prints how long each step took and how large each message is.
//!
//! ```text
//! cargo run --release --example roundtrip [-- --bits 2048|3072|4096]
//! ```

use core::time::Duration;
use std::time::Instant;

use hecate::{
    Answer, FeatureSpec, KeySize, MAX_MESSAGE_LEN, Model, Paillier2048, Paillier3072, Paillier4096,
    Plaintext, PrivateKey, Query,
};

/// The customer: age, healthy-eating scale, active-lifestyle scale, gender.
const NAMES: [&str; 4] = ["age", "healthy_eating", "active_lifestyle", "gender"];
const CUSTOMER: [f64; 4] = [36.0, 5.0, 5.0, 1.0];
/// The company's model: ordinary least squares on the original demo's employee data (not the
/// bundled sample's, which the app and `hecate train` use: their predictions differ).
const WEIGHTS: [f64; 4] = [
    -0.590_837_304_560_336_3,
    466.419_339_001_650_3,
    -184.499_716_928_336_8,
    2.336_641_043_259_744_4,
];
const INTERCEPT: f64 = 993.119_901_616_697_1;

fn timed<T>(label: &str, work: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = work();
    let elapsed = start.elapsed();
    println!("  {label:<40} {:>9.2} ms", elapsed.as_secs_f64() * 1e3);
    (out, elapsed)
}

fn run<S: KeySize>() -> Result<(), hecate::Error> {
    let mut rng = rand::rng();
    let mut buffer = vec![0u8; MAX_MESSAGE_LEN];
    println!("Paillier with a {}-bit modulus", S::BITS);

    println!("company:");
    // Each feature's encoding and declared range, published on the card: whole years of age
    // from 18 to 100, scales from 0 to 10 and gender 0 or 1, in sixteenths.
    let specs = [
        FeatureSpec::from_range(-1, 18.0, 100.0)?,
        FeatureSpec::from_range(-1, 0.0, 10.0)?,
        FeatureSpec::from_range(-1, 0.0, 10.0)?,
        FeatureSpec::from_range(-1, 0.0, 1.0)?,
    ];
    let (model, _) = timed("build the model (quantize the weights)", || {
        Model::from_f64("salary", &NAMES, &specs, &WEIGHTS, INTERCEPT, &mut rng)
    });
    let (model, quantization) = model?;
    println!(
        "    weights kept exactly: {}",
        quantization.max_absolute_error == 0.0
    );
    let card = model.card(&[2048, 3072, 4096])?;
    println!(
        "    model: {} bytes (secret), card: {} bytes (published)",
        model.to_bytes(&mut buffer)?,
        card.to_bytes(&mut buffer)?
    );

    println!("customer:");
    let (key, _) = timed("generate a key", || PrivateKey::<S>::generate(&mut rng));
    let key = key?;
    let public = key.public_key();
    let (proof, _) = timed("prove the key well formed", || key.prove_key());
    let proof = proof?;
    println!(
        "    private key: {} bytes, public key with proof: {} bytes",
        key.to_bytes(&mut buffer)?,
        public.to_bytes_with_proof(&proof, &mut buffer)?
    );
    let (features, _) = timed("encode and encrypt 4 features", || {
        public.encrypt_for_card(&card, &CUSTOMER, &mut rng)
    });
    let query = Query {
        key: public.clone(),
        proof: Some(proof),
        model: Some(model.id()),
        names: model.features().iter().cloned().collect(),
        features: features?,
    };
    let query_len = query.to_bytes(&mut buffer)?;
    println!("    query: {query_len} bytes");
    let (crt, _) = timed("encrypt 4 integers through the CRT", || {
        [36, 5, 5, 1].map(|value| key.encrypt(&Plaintext::from_u64(value), &mut rng))
    });
    for ciphertext in crt {
        ciphertext?;
    }

    println!("company (sees only ciphertexts):");
    let received = Query::<S>::from_bytes(buffer.get(..query_len).unwrap_or_default())?;
    let (verified, _) = timed("verify the key proof", || received.verify_key());
    verified?;
    let (answer, _) = timed("predict: Enc(b + mask)·Π c_i^w_i, re-randomized", || {
        model.answer_with_verified_key(&received, &mut rng)
    });
    let answer = answer?;
    let answer_len = answer.to_bytes(&mut buffer)?;
    println!("    answer: {answer_len} bytes");

    println!("customer:");
    let received = Answer::from_bytes(buffer.get(..answer_len).unwrap_or_default(), public)?;
    let (salary, _) = timed("decrypt and decode", || {
        key.decrypt_answer(&received)?.decode(public)
    });
    let expected = model.evaluate(&CUSTOMER)?;
    println!(
        "predicted salary: {:.4} (the plaintext model gives {expected:.4}; the original demo's \
         coefficients, not the bundled sample's model)",
        salary?
    );
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
