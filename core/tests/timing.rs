//! Statistical timing tests in the manner of dudect (Reparaz, Balasch, Verbauwhede 2017): each
//! operation on secrets is timed on two classes of secret inputs, one fixed and one random, in a
//! random order, and Welch's t-statistic of the two timing distributions must stay below 4.5.
//!
//! They test the arithmetic this CPU runs: the AVX-512 IFMA kernel where the CPU has it, which
//! valgrind's constant-time gate cannot run (it hides AVX-512), else the portable one. Slow and
//! sensitive to a loaded machine, so ignored by default; CI and `scripts/timing-test` run them:
//!
//! ```sh
//! cargo test --release -p hecate-core --test timing -- --ignored --nocapture --test-threads 1
//! ```
//!
//! `HECATE_TIMING_SECONDS` sets each test's budget (default 30).
#![allow(
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a test: it panics to fail, and rounds times and percentiles"
)]

use std::time::{Duration, Instant};

use hecate::{
    Arithmetic, Ciphertext, FeatureSpec, Model, Paillier2048, Plaintext, PrivateKey, Query,
};
use rand::{Rng, RngExt, SeedableRng, rngs::StdRng};

/// |t| past this says the two classes' timings differ (dudect's threshold).
const THRESHOLD: f64 = 4.5;
/// Fewer measurements than this per class prove nothing: the test fails rather than pass.
const MIN_PER_CLASS: usize = 300;

fn budget() -> Duration {
    let seconds = std::env::var("HECATE_TIMING_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30.0);
    Duration::from_secs_f64(seconds)
}

/// Welch's t of two samples.
fn welch_t(a: &[f64], b: &[f64]) -> f64 {
    let moments = |x: &[f64]| {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let variance = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (n, mean, variance)
    };
    let ((na, ma, va), (nb, mb, vb)) = (moments(a), moments(b));
    (ma - mb) / (va / na + vb / nb).sqrt()
}

/// Times `operation` on inputs of class 0 or 1, drawn in a random order, for the time budget;
/// returns the largest |t| over the measurements below several percentiles of the pooled
/// distribution (dudect's crops: an interrupt or a migration only lengthens a measurement).
fn dudect<I>(
    what: &str,
    mut input: impl FnMut(u8, &mut StdRng) -> I,
    mut operation: impl FnMut(&I),
) -> f64 {
    let mut rng = StdRng::seed_from_u64(7);
    let mut samples: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let start = Instant::now();
    while start.elapsed() < budget() {
        // A batch of inputs first, so that preparing them is not timed.
        let batch: Vec<(u8, I)> = (0..32)
            .map(|_| {
                let class = rng.random_range(0..2u8);
                (class, input(class, &mut rng))
            })
            .collect();
        for (class, input) in &batch {
            let begin = Instant::now();
            operation(input);
            let elapsed = begin.elapsed().as_nanos() as f64;
            samples[usize::from(*class)].push(elapsed);
        }
    }
    let counts = [samples[0].len(), samples[1].len()];
    assert!(
        counts.iter().all(|&n| n >= MIN_PER_CLASS),
        "{what}: only {counts:?} measurements in {:?}: raise HECATE_TIMING_SECONDS",
        budget()
    );
    let mut pooled: Vec<f64> = samples.iter().flatten().copied().collect();
    pooled.sort_by(f64::total_cmp);
    let mut worst: f64 = 0.0;
    for percentile in [0.5, 0.75, 0.9, 0.99] {
        let cut = pooled[((pooled.len() - 1) as f64 * percentile) as usize];
        let kept = |x: &Vec<f64>| x.iter().copied().filter(|&t| t <= cut).collect::<Vec<_>>();
        let (a, b) = (kept(&samples[0]), kept(&samples[1]));
        if a.len() > 10 && b.len() > 10 {
            worst = worst.max(welch_t(&a, &b).abs());
        }
    }
    let median = |x: &mut Vec<f64>| {
        x.sort_by(f64::total_cmp);
        x[x.len() / 2] / 1e3
    };
    let (m0, m1) = (median(&mut samples[0]), median(&mut samples[1]));
    println!(
        "{what} ({} arithmetic): {counts:?} measurements, medians {m0:.1} / {m1:.1} µs, max |t| {worst:.2}",
        Arithmetic::in_use().name()
    );
    worst
}

fn key() -> PrivateKey<Paillier2048> {
    PrivateKey::generate(&mut StdRng::seed_from_u64(1)).expect("a key")
}

/// Decryption of one encryption of 0 (fixed) against encryptions of random plaintexts.
#[test]
#[ignore = "slow statistical timing test: see the module's documentation"]
fn decryption_time_does_not_depend_on_the_plaintext() {
    let key = key();
    let mut rng = StdRng::seed_from_u64(2);
    let fixed = key
        .encrypt(&Plaintext::from_u64(0), &mut rng)
        .expect("encrypt");
    let random: Vec<Ciphertext<Paillier2048>> = (0..256)
        .map(|_| {
            let m = Plaintext::from_u64(rng.next_u64());
            key.encrypt(&m, &mut rng).expect("encrypt")
        })
        .collect();
    let t = dudect(
        "decrypt",
        |class, rng| {
            if class == 0 {
                fixed
            } else {
                random[rng.random_range(0..random.len())]
            }
        },
        |c| {
            std::hint::black_box(key.decrypt(std::hint::black_box(c)).expect("decrypt"));
        },
    );
    assert!(t < THRESHOLD, "decryption: |t| = {t:.2} ≥ {THRESHOLD}");
}

/// The company's masked answer (the weighted sum with secret weights, the mask, the fresh
/// randomness) for a model of fixed weights against models of random weights, on one query. The
/// largest weight and the intercept are the same in both, and the random models are drawn until
/// what the card makes public of the weights (their exponent and bit lengths, which set the work)
/// is the fixed model's.
#[test]
#[ignore = "slow statistical timing test: see the module's documentation"]
fn weighted_sum_time_does_not_depend_on_the_weights() {
    let key = key();
    let names = ["age", "healthy_eating", "active_lifestyle", "gender"];
    let specs = [FeatureSpec::from_range(-1, 0.0, 100.0).expect("spec"); 4];
    let model = |weights: &[f64; 4], rng: &mut StdRng| {
        Model::from_f64("salary", &names, &specs, weights, 993.12, rng)
            .expect("model")
            .0
    };
    const FIXED: [f64; 4] = [-999.5, 1.0 / 3.0, -1.0 / 7.0, 1.0 / 9.0];
    let random_weights = |rng: &mut StdRng| {
        let mut weights = FIXED;
        for weight in &mut weights[1..] {
            *weight = rng.random_range(-999.0..999.0);
        }
        weights
    };
    let mut rng = StdRng::seed_from_u64(3);
    let fixed = model(&FIXED, &mut rng);
    let card = fixed.card(&[2048]).expect("card");
    // What the card makes public of the weights; random models are drawn until theirs matches.
    let public_part = |model: &Model| {
        let card = model.card(&[2048]).expect("card");
        (
            card.mask_bits(),
            card.answer_exponent(),
            card.weight_exponent(),
        )
    };
    let random: Vec<Model> = (0..64)
        .map(|_| {
            loop {
                let candidate = model(&random_weights(&mut rng), &mut rng);
                if public_part(&candidate) == public_part(&fixed) {
                    break candidate;
                }
            }
        })
        .collect();
    let features = key
        .encrypt_for_card(&card, &[36.0, 5.0, 5.0, 1.0], &mut rng)
        .expect("features");
    let query = Query {
        key: key.public_key().clone(),
        proof: Some(key.prove_key().expect("proof")),
        // Each model has its own id: the query names none.
        model: None,
        names: card.features().iter().cloned().collect(),
        features,
    };
    let mut answer_rng = StdRng::seed_from_u64(4);
    let t = dudect(
        "weighted sum",
        |class, rng| {
            if class == 0 {
                fixed.clone()
            } else {
                random[rng.random_range(0..random.len())].clone()
            }
        },
        |model| {
            let answer = model.answer_with_verified_key(&query, &mut answer_rng);
            std::hint::black_box(answer.expect("answer"));
        },
    );
    assert!(t < THRESHOLD, "weighted sum: |t| = {t:.2} ≥ {THRESHOLD}");
}
