//! Hecate's peers on the same jobs as `paillier.rs`, for `scripts/bench-report` to set side by side
//! (`cargo bench --features peers`; the feature builds GMP from source, minutes).
//!
//! - `gmp/<bits>/powm_*`: GMP through rug, on the exponentiations of `hecate/<bits>/powm_*`:
//!   `pow_mod` (mpz_powm, variable-time: sliding windows, and its time depends on the exponent)
//!   and `secure_pow_mod` (mpz_powm_sec, constant-time: GMP's side-channel-silent version).
//! - `fast-paillier/<bits>/*` (dfns/LFDT-Lockness, on rug): every operation through GMP's
//!   variable-time `pow_mod`, and the CRT for the key holder's encryption and for decryption.
//! - `libpaillier/<bits>/*` (unknown_order's GMP backend): every exponentiation through
//!   `secure_pow_mod`, but no CRT (decryption is c^λ mod n² with |λ| = |n|) and variable-time
//!   inversions and gcd-free checks around them.
//!
//! Operation names match `paillier.rs`. What a peer does not offer is either built from its own
//! primitives (said where it is) or left out.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use fast_paillier::backend::Integer as FpInteger;
use hecate_benches::{ModelInputs, SCALAR, bench_bits, fast, keygen, model_inputs, slow};
use libpaillier::unknown_order::BigNumber;
use rand08::rngs::OsRng;
use rug::Integer;
use rug::integer::Order;
use rug::ops::RemRounding;

/// The plaintext every encryption benchmark encrypts (the same as `paillier.rs`).
const MESSAGE: u64 = 0x1234_5678_9abc;

fn peers(c: &mut Criterion) {
    // For the report: which GMP rug built.
    println!(
        "GMP version: {}.{}.{}",
        gmp_mpfr_sys::gmp::VERSION,
        gmp_mpfr_sys::gmp::VERSION_MINOR,
        gmp_mpfr_sys::gmp::VERSION_PATCHLEVEL
    );
    for bits in bench_bits() {
        gmp(c, bits);
        fast_paillier(c, bits);
        libpaillier(c, bits);
    }
}

/// A random integer of exactly `bits` bits (top bit set), odd when asked: the same shapes as
/// `paillier.rs` draws for crypto-bigint.
fn random_bits(bits: u32, odd: bool) -> Integer {
    let mut state = rug::rand::RandState::new();
    // Seeded from the OS: the values do not matter to the timing, only their widths.
    state.seed(&Integer::from(rand08::random::<u128>()));
    let mut x = Integer::from(Integer::random_bits(bits, &mut state));
    x.set_bit(bits - 1, true);
    if odd {
        x.set_bit(0, true);
    }
    x
}

/// `gmp/<bits>/powm_{n2,p2,p}` and `powm_sec_*`: x^e mod m for the three shapes of `paillier.rs`.
fn gmp(c: &mut Criterion, bits: u32) {
    let mut group = c.benchmark_group(format!("gmp/{bits}"));
    fast(&mut group);
    for (name, modulus_bits, exponent_bits) in [
        ("n2", 2 * bits, bits),
        ("p2", bits, bits / 2),
        ("p", bits / 2, bits / 2),
    ] {
        let modulus = random_bits(modulus_bits, true);
        let exponent = random_bits(exponent_bits, false);
        let base = random_bits(modulus_bits, false) % &modulus;
        group.bench_function(format!("powm_{name}"), |b| {
            b.iter(|| {
                Integer::from(
                    black_box(&base)
                        .pow_mod_ref(&exponent, &modulus)
                        .expect("powm"),
                )
            });
        });
        group.bench_function(format!("powm_sec_{name}"), |b| {
            b.iter(|| Integer::from(black_box(&base).secure_pow_mod_ref(&exponent, &modulus)));
        });
    }
    group.finish();
}

fn fp(x: impl Into<Integer>) -> FpInteger {
    FpInteger::from_rug(x.into())
}

/// fast-paillier 0.3 on its rug backend. Its own `DecryptionKey::generate` draws two 1536-bit
/// safe primes (a 3072-bit key only, and minutes); `keygen` here draws two ordinary primes of
/// half the size with its backend's `generate_prime` and builds the key with `from_primes`, the
/// same kind of key Hecate generates.
fn fast_paillier(c: &mut Criterion, bits: u32) {
    use fast_paillier::{DecryptionKey, EncryptionKey};
    let mut group = c.benchmark_group(format!("fast-paillier/{bits}"));
    let generate = || loop {
        let p = FpInteger::generate_prime(&mut OsRng, bits / 2);
        let q = FpInteger::generate_prime(&mut OsRng, bits / 2);
        // |n| = bits exactly, as Hecate's keys: redraw the rare pair whose product is short.
        if (&p * &q).significant_bits() == u64::from(bits) {
            return DecryptionKey::from_primes(p, q).expect("a key");
        }
    };
    keygen(&mut group);
    group.bench_function("keygen", |b| b.iter(generate));

    fast(&mut group);
    let key = generate();
    let public: &EncryptionKey = key.encryption_key();
    let m = fp(MESSAGE);
    group.bench_function("encrypt_public", |b| {
        b.iter(|| {
            public
                .encrypt_with_random(&mut OsRng, black_box(&m))
                .expect("encrypts")
        });
    });
    group.bench_function("encrypt_crt", |b| {
        b.iter(|| {
            key.encrypt_with_random(&mut OsRng, black_box(&m))
                .expect("encrypts")
        });
    });
    let (ct, _) = public
        .encrypt_with_random(&mut OsRng, &m)
        .expect("encrypts");
    let (dt, _) = public
        .encrypt_with_random(&mut OsRng, &m)
        .expect("encrypts");
    group.bench_function("decrypt", |b| {
        b.iter(|| key.decrypt(black_box(&ct)).expect("decrypts"));
    });
    // No re-randomization in the API: multiply by a fresh encryption of 0.
    let zero = fp(0);
    group.bench_function("rerandomize_public", |b| {
        b.iter(|| {
            let (fresh, _) = public
                .encrypt_with_random(&mut OsRng, &zero)
                .expect("encrypts");
            public.oadd(black_box(&ct), &fresh).expect("valid")
        });
    });
    group.bench_function("rerandomize_crt", |b| {
        b.iter(|| {
            let (fresh, _) = key
                .encrypt_with_random(&mut OsRng, &zero)
                .expect("encrypts");
            public.oadd(black_box(&ct), &fresh).expect("valid")
        });
    });
    group.bench_function("add", |b| {
        b.iter(|| public.oadd(black_box(&ct), black_box(&dt)).expect("valid"));
    });
    let scalar = fp(SCALAR);
    group.bench_function("mul_scalar_i64", |b| {
        b.iter(|| {
            public
                .omul(black_box(&scalar), black_box(&ct))
                .expect("valid")
        });
    });

    for d in [4, 100] {
        let inputs = model_inputs(d);
        let features: Vec<FpInteger> = inputs
            .features
            .iter()
            .map(|x| {
                public
                    .encrypt_with_random(&mut OsRng, &fp(*x))
                    .expect("encrypts")
                    .0
            })
            .collect();
        let weights: Vec<FpInteger> = inputs.weights.iter().map(|w| fp(*w)).collect();
        let intercept = fp(inputs.intercept_scaled);
        if d > 4 {
            slow(&mut group);
        }
        // The company holds only the public key: Σ w_i·c_i, then + Enc(b) with fresh randomness,
        // which adds the intercept and re-randomizes in one multiplication.
        group.bench_function(format!("predict_{d}"), |b| {
            b.iter(|| {
                let mut sum: Option<FpInteger> = None;
                for (w, c) in weights.iter().zip(&features) {
                    let term = public.omul(w, c).expect("valid");
                    sum = Some(match sum {
                        None => term,
                        Some(s) => public.oadd(&s, &term).expect("valid"),
                    });
                }
                let (b_enc, _) = public
                    .encrypt_with_random(&mut OsRng, &intercept)
                    .expect("b");
                public.oadd(&sum.expect("features"), &b_enc).expect("valid")
            });
        });
        check_fast_paillier(&key, &inputs, &weights, &features, &intercept);
    }
    group.finish();
}

/// The benchmarked prediction decrypts to Σ w_i·x_i + b: the job is the right one.
fn check_fast_paillier(
    key: &fast_paillier::DecryptionKey,
    inputs: &ModelInputs,
    weights: &[FpInteger],
    features: &[FpInteger],
    intercept: &FpInteger,
) {
    let public = key.encryption_key();
    let mut sum = public
        .encrypt_with_random(&mut OsRng, intercept)
        .expect("b")
        .0;
    for (w, c) in weights.iter().zip(features) {
        sum = public
            .oadd(&sum, &public.omul(w, c).expect("valid"))
            .expect("valid");
    }
    let decrypted = key.decrypt(&sum).expect("decrypts").to_rug();
    assert_eq!(decrypted, expected(inputs), "fast-paillier's prediction");
}

/// Σ w_i·x_i + b in integers.
fn expected(inputs: &ModelInputs) -> Integer {
    let mut sum = Integer::from(inputs.intercept_scaled);
    for (w, x) in inputs.weights.iter().zip(&inputs.features) {
        sum += Integer::from(*w) * *x;
    }
    sum
}

/// A signed integer as libpaillier's plaintext bytes: big-endian, negatives as n − |x|.
fn lp_plaintext(x: impl Into<Integer>, n: &BigNumber) -> Vec<u8> {
    let n = Integer::from_digits(&n.to_bytes(), Order::MsfBe);
    let x: Integer = x.into();
    let x = if x < 0 { x + n } else { x };
    x.to_digits(Order::MsfBe)
}

/// k·c for a signed k: libpaillier's `mul` takes k in [1, n), so a negative k multiplies the
/// inverse ciphertext by |k| (never a full-width n − |k|), as Hecate does.
fn lp_mul(key: &libpaillier::EncryptionKey, c: &BigNumber, k: i64) -> BigNumber {
    let magnitude = BigNumber::from(k.unsigned_abs());
    if k < 0 {
        let inverse = c.invert(key.nn()).expect("a ciphertext is invertible");
        key.mul(&inverse, &magnitude).expect("valid")
    } else {
        key.mul(c, &magnitude).expect("valid")
    }
}

/// libpaillier 0.6 on unknown_order's GMP backend. Its `DecryptionKey::random` draws two
/// 1024-bit primes (2048-bit keys only); `keygen` here does the same at each size with
/// `BigNumber::prime_from_rng` and `with_primes_unchecked`.
fn libpaillier(c: &mut Criterion, bits: u32) {
    use libpaillier::{DecryptionKey, EncryptionKey};
    let mut group = c.benchmark_group(format!("libpaillier/{bits}"));
    let prime_bits = usize::try_from(bits / 2).expect("small");
    let generate = || loop {
        let p = BigNumber::prime_from_rng(prime_bits, &mut OsRng);
        let q = BigNumber::prime_from_rng(prime_bits, &mut OsRng);
        // |n| = bits exactly, as Hecate's keys.
        let n = Integer::from_digits(&(&p * &q).to_bytes(), Order::MsfBe);
        if n.significant_bits() == bits {
            return DecryptionKey::with_primes_unchecked(&p, &q).expect("a key");
        }
    };
    keygen(&mut group);
    group.bench_function("keygen", |b| b.iter(generate));

    fast(&mut group);
    let key = generate();
    let public = EncryptionKey::from(&key);
    let m = lp_plaintext(MESSAGE, public.n());
    // No key-holder (CRT) encryption in the API.
    group.bench_function("encrypt_public", |b| {
        b.iter(|| public.encrypt(black_box(&m), None).expect("encrypts"));
    });
    let (ct, _) = public.encrypt(&m, None).expect("encrypts");
    let (dt, _) = public.encrypt(&m, None).expect("encrypts");
    group.bench_function("decrypt", |b| {
        b.iter(|| key.decrypt(black_box(&ct)).expect("decrypts"));
    });
    // No re-randomization, and `encrypt` refuses 0: c · r^n mod n² with its own big numbers.
    group.bench_function("rerandomize_public", |b| {
        b.iter(|| {
            let r = BigNumber::from_rng(public.n(), &mut OsRng);
            black_box(&ct).modmul(&r.modpow(public.n(), public.nn()), public.nn())
        });
    });
    group.bench_function("add", |b| {
        b.iter(|| public.add(black_box(&ct), black_box(&dt)).expect("valid"));
    });
    group.bench_function("mul_scalar_i64", |b| {
        b.iter(|| lp_mul(&public, black_box(&ct), black_box(SCALAR)));
    });

    for d in [4, 100] {
        let inputs = model_inputs(d);
        let features: Vec<BigNumber> = inputs
            .features
            .iter()
            .map(|x| {
                public
                    .encrypt(lp_plaintext(*x, public.n()), None)
                    .expect("encrypts")
                    .0
            })
            .collect();
        let intercept = lp_plaintext(inputs.intercept_scaled, public.n());
        if d > 4 {
            slow(&mut group);
        }
        // As for fast-paillier: Σ w_i·c_i, then + Enc(b) with fresh randomness.
        let predict = || {
            let mut sum: Option<BigNumber> = None;
            for (w, c) in inputs.weights.iter().zip(&features) {
                let term = lp_mul(&public, c, *w);
                sum = Some(match sum {
                    None => term,
                    Some(s) => public.add(&s, &term).expect("valid"),
                });
            }
            let (b_enc, _) = public.encrypt(&intercept, None).expect("b");
            public.add(&sum.expect("features"), &b_enc).expect("valid")
        };
        group.bench_function(format!("predict_{d}"), |b| b.iter(predict));
        // The job is the right one: the answer decrypts to Σ w_i·x_i + b (mod n).
        let n = Integer::from_digits(&public.n().to_bytes(), Order::MsfBe);
        let decrypted =
            Integer::from_digits(&key.decrypt(&predict()).expect("decrypts"), Order::MsfBe);
        let want = expected(&inputs).rem_euc(&n);
        assert_eq!(decrypted, want, "libpaillier's prediction");
    }
    group.finish();
}

criterion_group!(benches, peers);
criterion_main!(benches);
