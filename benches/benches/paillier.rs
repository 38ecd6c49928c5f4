//! Every Hecate operation at 2048, 3072 and 4096 bits, and the constant-time exponentiations
//! underneath them, single-threaded.
//!
//! Ids are `hecate/<bits>/<operation>`; `scripts/bench-report` reads them from
//! `target/criterion/hecate_<bits>/<operation>/new/estimates.json`, so keep them stable.
//! `HECATE_BENCH_BITS=2048,3072` picks the key sizes (default: all three);
//! `HECATE_BENCH_KEYGEN_SAMPLES=40` takes that many samples of key generation, whose time varies
//! with the prime search (default: criterion's fewest, 10), here and in `peers.rs`.
//!
//! The predictions use the same job as `hecate bench` (`gui/src/workflows/bench.rs`): a fitted
//! model's float weights in ±1000 on features in ±100, masked and re-randomized.

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Int, Odd, Random, Uint};
use hecate::{
    FeatureSpec, KeySize, Model, Names, Paillier2048, Paillier3072, Paillier4096, Plaintext,
    PrivateKey, Query,
};
use hecate_app::workflows::os_rng;
use hecate_benches::{SCALAR, bench_bits, fast, keygen, model_inputs, slow};

/// The plaintext every encryption benchmark encrypts (the same as `hecate bench`).
const MESSAGE: u64 = 0x1234_5678_9abc;

fn paillier(c: &mut Criterion) {
    for bits in bench_bits() {
        match bits {
            2048 => sized::<Paillier2048>(c),
            3072 => sized::<Paillier3072>(c),
            4096 => sized::<Paillier4096>(c),
            _ => unreachable!("bench_bits only returns supported sizes"),
        }
    }
}

/// One key size, group `hecate/<bits>`. The raw exponentiations take the limb counts of n², n
/// (as wide as p²) and p as constants: `FixedMontyForm` needs them at compile time.
fn sized<S: KeySize>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("hecate/{}", S::BITS));
    match S::BITS {
        2048 => raw_exponentiations::<64, 32, 16>(&mut group, S::BITS),
        3072 => raw_exponentiations::<96, 48, 24>(&mut group, S::BITS),
        4096 => raw_exponentiations::<128, 64, 32>(&mut group, S::BITS),
        _ => unreachable!("only the three key sizes"),
    }
    operations::<S>(&mut group);
    group.finish();
}

/// The exponentiations Paillier is made of, through crypto-bigint directly, on random odd moduli
/// of the right widths (top bit set) with full-width random exponents:
/// - `powm_n2`: x^e mod n², |e| = |n| (public-key encryption and re-randomization: r^n);
/// - `powm_p2`: x^e mod p², |e| = |p| (CRT decryption: c^(p−1) mod p²; CRT encryption: y^p);
/// - `powm_p`: x^e mod p, |e| = |p| (CRT encryption: r^(n mod (p−1)) mod p).
///
/// `FixedMontyForm::pow` is constant-time over every bit of the exponent, as Hecate uses it.
fn raw_exponentiations<const N2: usize, const N: usize, const P: usize>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    bits: u32,
) {
    assert_eq!(Uint::<N2>::BITS, 2 * bits, "n² limbs for {bits} bits");
    fast(group);
    pow_bench::<N2, N>(group, "powm_n2");
    // p² is as wide as n, and p half as wide.
    pow_bench::<N, P>(group, "powm_p2");
    pow_bench::<P, P>(group, "powm_p");
}

fn pow_bench<const M: usize, const E: usize>(group: &mut BenchmarkGroup<'_, WallTime>, id: &str) {
    let mut rng = os_rng();
    let modulus = Odd::new(full_width::<M>(&mut rng) | Uint::ONE)
        .into_option()
        .expect("an odd modulus");
    let params = FixedMontyParams::new(modulus);
    let base = FixedMontyForm::new(&Uint::<M>::random_from_rng(&mut rng), &params);
    let exponent = full_width::<E>(&mut rng);
    group.bench_function(id, |b| {
        b.iter(|| black_box(&base).pow(black_box(&exponent)))
    });
}

/// A random integer with its top bit set, so it has exactly `Uint::<L>::BITS` bits.
fn full_width<const L: usize>(rng: &mut impl crypto_bigint::rand_core::Rng) -> Uint<L> {
    Uint::<L>::random_from_rng(rng) | (Uint::ONE << (Uint::<L>::BITS - 1))
}

fn operations<S: KeySize>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let mut rng = os_rng();

    // Key generation draws primes, so its time varies from run to run: as many samples as every
    // implementation takes.
    keygen(group);
    group.bench_function("keygen", |b| {
        b.iter(|| PrivateKey::<S>::generate(&mut os_rng()).expect("a key"));
    });
    group.bench_function("keygen_prove", |b| {
        b.iter(|| {
            let key = PrivateKey::<S>::generate(&mut os_rng()).expect("a key");
            key.prove_key().expect("a key proof")
        });
    });
    slow(group);
    let key = PrivateKey::<S>::generate(&mut rng).expect("a key");
    // Reading a key file tests both primes (Miller–Rabin with random bases and Lucas).
    let mut message = vec![0u8; hecate::MAX_MESSAGE_LEN];
    let len = key.to_bytes(&mut message).expect("a key message");
    message.truncate(len);
    group.bench_function("read_private_key", |b| {
        b.iter(|| PrivateKey::<S>::from_bytes(black_box(&message), &mut rng).expect("a key"));
    });
    let public = key.public_key();
    group.bench_function("prove_key", |b| {
        b.iter(|| key.prove_key().expect("a key proof"));
    });
    let proof = key.prove_key().expect("a key proof");
    group.bench_function("verify_key_proof", |b| {
        b.iter(|| proof.verify(black_box(public)).expect("a valid proof"));
    });

    fast(group);
    let m = Plaintext::from_u64(MESSAGE);
    group.bench_function("encrypt_public", |b| {
        b.iter(|| public.encrypt(black_box(&m), &mut rng).expect("encrypts"));
    });
    group.bench_function("encrypt_crt", |b| {
        b.iter(|| key.encrypt(black_box(&m), &mut rng).expect("encrypts"));
    });
    let c = public.encrypt(&m, &mut rng).expect("encrypts");
    let d = public.encrypt(&m, &mut rng).expect("encrypts");
    group.bench_function("decrypt", |b| {
        b.iter(|| key.decrypt(black_box(&c)).expect("decrypts"));
    });
    group.bench_function("rerandomize_public", |b| {
        b.iter(|| public.rerandomize(black_box(&c), &mut rng).expect("valid"));
    });
    group.bench_function("rerandomize_crt", |b| {
        b.iter(|| key.rerandomize(black_box(&c), &mut rng).expect("valid"));
    });
    group.bench_function("add", |b| {
        b.iter(|| public.add(black_box(&c), black_box(&d)).expect("valid"));
    });
    // The same 62-bit negative scalar the peers multiply by. Hecate's cost depends only on the
    // width of the integer type (constant-time over all its bits): 64 bits, and the model's 256.
    let narrow = Int::<1>::from_i64(SCALAR);
    group.bench_function("mul_scalar_i64", |b| {
        b.iter(|| {
            public
                .mul_scalar(black_box(&c), black_box(&narrow))
                .expect("valid")
        });
    });
    let wide = Int::<4>::from_i64(SCALAR);
    group.bench_function("mul_scalar_i256", |b| {
        b.iter(|| {
            public
                .mul_scalar(black_box(&c), black_box(&wide))
                .expect("valid")
        });
    });

    for features in [4, 100] {
        predict::<S>(group, &key, features);
    }
}

/// `predict_<d>`: the company's whole answer to a query of `d` features (check, multi-
/// exponentiation, mask, re-randomization), its key proof already verified and cached as a
/// company does.
fn predict<S: KeySize>(group: &mut BenchmarkGroup<'_, WallTime>, key: &PrivateKey<S>, d: usize) {
    let inputs = model_inputs(d);
    let names: Vec<String> = (0..d).map(|i| format!("x{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let specs = vec![FeatureSpec::from_range(-6, -100.0, 100.0).expect("a spec"); d];
    let (model, _) = Model::from_f64(
        "y",
        &names,
        &specs,
        &inputs.float_weights,
        inputs.intercept,
        &mut os_rng(),
    )
    .expect("a model");
    let card = model.card(&[S::BITS]).expect("a card");
    let query = Query {
        key: key.public_key().clone(),
        proof: Some(key.prove_key().expect("a key proof")),
        model: Some(model.id()),
        names: Names::new(),
        features: key
            .public_key()
            .encrypt_for_card(&card, &inputs.float_features, &mut os_rng())
            .expect("features"),
    };
    query.verify_key().expect("a valid proof");
    if d > 4 {
        slow(group);
    }
    let mut rng = os_rng();
    group.bench_function(format!("predict_{d}"), |b| {
        b.iter(|| {
            model
                .answer_with_verified_key(black_box(&query), &mut rng)
                .expect("an answer")
        });
    });
}

criterion_group!(benches, paillier);
criterion_main!(benches);
