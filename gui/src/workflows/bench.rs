//! `hecate bench`: operations per second of each step, like `openssl speed`: one operation at a
//! time, each on one thread, but for the two CRT halves of the key holder's operations (on a
//! second core when there is one), Argon2id's lanes, and the batch throughputs.

use std::time::{Duration, Instant};

use anyhow::Result;
use hecate::crypto_bigint::I64;
use hecate::{Arithmetic, FeatureSpec, KeySize, Model, Names, Plaintext, PrivateKey, Query};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

use super::{encode, os_rng, predict};
use crate::sealing::{self, Passphrase};
use crate::with_key_size;

/// Operations per second.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Rates {
    /// Bits of n.
    pub bits: u32,
    /// The modular arithmetic that ran: `avx512-ifma` where the CPU has it, else `portable`
    /// (forced with `HECATE_ARITHMETIC=portable`).
    pub arithmetic: &'static str,
    /// Key generations.
    pub keygen: f64,
    /// Encryptions with the public key.
    pub encrypt_public: f64,
    /// Encryptions by the key holder, through the CRT (its halves on two cores when there are).
    pub encrypt_crt: f64,
    /// Decryptions (CRT, its halves on two cores when there are).
    pub decrypt: f64,
    /// Re-randomizations with the public key (what the company does to every answer).
    pub rerandomize_public: f64,
    /// Re-randomizations by the key holder, through the CRT.
    pub rerandomize_crt: f64,
    /// Homomorphic additions (a product mod n²).
    pub add: f64,
    /// Multiplications of a ciphertext by a 64-bit signed scalar.
    pub mul_scalar: f64,
    /// Masked, re-randomized predictions of a 4-feature model with mixed-sign weights.
    pub predict4: f64,
    /// The same with 100 features.
    pub predict100: f64,
    /// Proofs that gcd(n, φ(n)) = 1, by the key holder.
    pub prove_key: f64,
    /// Verifications of such a proof, trial division included.
    pub verify_key_proof: f64,
    /// Answers per second to a batch of 4-feature queries from one customer, on one thread, as
    /// `hecate predict` does them (decode, checks, masked answer, encode).
    pub answers_1_thread: f64,
    /// The same on two threads.
    pub answers_2_threads: f64,
    /// Readings of a private key file (two primality tests of 24 rounds and a Lucas test).
    pub read_private_key: f64,
    /// Openings of a passphrase-protected private key: Argon2id at the default costs (its lanes
    /// on every core: the one step here that is not single-threaded), then the AEAD and decoding.
    pub open_sealed_key: f64,
}

/// Measures every rate, each for at least `time` and 3 runs.
pub fn bench(bits: u32, time: Duration) -> Result<Rates> {
    with_key_size!(bits, |S| bench_sized::<S>(time))
}

fn bench_sized<S: KeySize>(time: Duration) -> Result<Rates> {
    let mut rng = os_rng();
    let keygen = rate(time, || PrivateKey::<S>::generate(&mut os_rng()).map(drop))?;
    let key = PrivateKey::<S>::generate(&mut rng)?;
    let public = key.public_key();
    let m = Plaintext::from_u64(0x1234_5678_9abc);
    let encrypt_public = rate(time, || public.encrypt(&m, &mut os_rng()).map(drop))?;
    let encrypt_crt = rate(time, || key.encrypt(&m, &mut os_rng()).map(drop))?;
    let c = public.encrypt(&m, &mut rng)?;
    let decrypt = rate(time, || key.decrypt(&c).map(drop))?;
    let rerandomize_public = rate(time, || public.rerandomize(&c, &mut os_rng()).map(drop))?;
    let rerandomize_crt = rate(time, || key.rerandomize(&c, &mut os_rng()).map(drop))?;
    let other = public.encrypt(&m, &mut rng)?;
    let add = rate(time, || public.add(&c, &other).map(drop))?;
    let scalar = I64::from_i64(-0x1234_5678_9abc_def0);
    let mul_scalar = rate(time, || public.mul_scalar(&c, &scalar).map(drop))?;
    let predict4 = predict_rate(&key, 4, time)?;
    let predict100 = predict_rate(&key, 100, time)?;
    let answers_1_thread = answers_rate(&key, 1, time)?;
    let answers_2_threads = answers_rate(&key, 2, time)?;
    let private_file = encode(|out| key.to_bytes(out))?;
    let read_private_key = rate(time, || {
        PrivateKey::<S>::from_bytes(&private_file, &mut os_rng()).map(drop)
    })?;
    let prove_key = rate(time, || key.prove_key().map(drop))?;
    let proof = key.prove_key()?;
    let verify_key_proof = rate(time, || proof.verify(public))?;
    let passphrase = Passphrase::new("correct horse battery staple".into());
    let sealed = sealing::seal(&encode(|out| key.to_bytes(out))?, &passphrase)?;
    let open_sealed_key = rate(time, || sealing::open(&sealed, &passphrase).map(drop))?;
    Ok(Rates {
        bits: S::BITS,
        arithmetic: Arithmetic::in_use().name(),
        keygen,
        encrypt_public,
        encrypt_crt,
        decrypt,
        rerandomize_public,
        rerandomize_crt,
        add,
        mul_scalar,
        predict4,
        predict100,
        prove_key,
        verify_key_proof,
        answers_1_thread,
        answers_2_threads,
        read_private_key,
        open_sealed_key,
    })
}

/// A model with `d` mixed-sign weights, like a fitted model's, and a query of features
/// encrypted once for it.
fn model_and_query<S: KeySize>(key: &PrivateKey<S>, d: usize) -> Result<(Model, Query<S>)> {
    let mut values = StdRng::seed_from_u64(d as u64);
    let names: Vec<String> = (0..d).map(|i| format!("x{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let weights: Vec<f64> = (0..d)
        .map(|_| values.random_range(-1000.0..1000.0))
        .collect();
    let features: Vec<f64> = (0..d).map(|_| values.random_range(-100.0..100.0)).collect();
    let specs = vec![FeatureSpec::from_range(-6, -100.0, 100.0)?; d];
    let (model, _) = Model::from_f64("y", &names, &specs, &weights, 12.5, &mut os_rng())?;
    let card = model.card(&[S::BITS])?;
    let query = Query {
        key: key.public_key().clone(),
        proof: Some(key.prove_key()?),
        model: Some(model.id()),
        names: Names::new(),
        features: key
            .public_key()
            .encrypt_for_card(&card, &features, &mut os_rng())?,
    };
    Ok((model, query))
}

/// Masked answers per second to a `d`-feature query.
fn predict_rate<S: KeySize>(key: &PrivateKey<S>, d: usize, time: Duration) -> Result<f64> {
    let (model, query) = model_and_query(key, d)?;
    // The key proof is verified once per key (and cached): not part of each prediction.
    rate(time, || {
        model
            .answer_with_verified_key(&query, &mut os_rng())
            .map(drop)
    })
}

/// Answers per second to batches of one customer's 4-feature queries on `threads` threads, through
/// the company's workflow (the key's proof verified once, then cached, as `hecate predict` does).
fn answers_rate<S: KeySize>(key: &PrivateKey<S>, threads: usize, time: Duration) -> Result<f64> {
    let (model, query) = model_and_query(key, 4)?;
    let query_file = encode(|out| query.to_bytes(out))?;
    let keys = predict::VerifiedKeys::default();
    predict::predict(&model, &query_file, &keys)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    // A batch per run, of a few answers per thread, so that every thread stays busy.
    let batch: u32 = 4 * u32::try_from(threads)?;
    let batches = pool.install(|| {
        rate(time, || {
            (0..batch)
                .into_par_iter()
                .try_for_each(|_| predict::predict(&model, &query_file, &keys).map(drop))
        })
    })?;
    Ok(batches * f64::from(batch))
}

/// Runs `operation` for at least `time` and at least 3 times; returns runs per second.
fn rate<E>(time: Duration, mut operation: impl FnMut() -> Result<(), E>) -> Result<f64>
where
    anyhow::Error: From<E>,
{
    let start = Instant::now();
    let mut runs = 0u32;
    while runs < 3 || start.elapsed() < time {
        operation()?;
        runs += 1;
    }
    Ok(f64::from(runs) / start.elapsed().as_secs_f64())
}
