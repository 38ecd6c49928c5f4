//! Differential fuzzing of the homomorphic properties at the 1024-bit test key (fixed primes,
//! randomness from a seeded RNG): a random sequence of encryptions (public-key, CRT, and both with
//! one chosen nonce, which must agree), additions, plaintext additions, negations, subtractions,
//! scalar multiplications (64- and 256-bit, negative included), dot products and re-randomizations
//! is run on ciphertexts and on integers mod n (num-bigint) side by side; every ciphertext must stay
//! in Z*_{n²} and decrypt to its integer. Then a linear model built from arbitrary f64 weights
//! predicts on encrypted features: the decrypted prediction must match the model in f64, unless
//! refused as a possible overflow.
#![no_main]

use std::sync::LazyLock;

use arbitrary::Arbitrary;
use hecate::crypto_bigint::{I64, I256, U1024};
use hecate::{Ciphertext, EncodedNumber, InsecureTest1024, Model, Plaintext};
use hecate_fuzz::{KEY_1024, big, in_z_star_n2, rng, signed_mod, uint};
use libfuzzer_sys::fuzz_target;
use num_bigint::{BigInt, BigUint};

type S = InsecureTest1024;

static N: LazyLock<BigUint> = LazyLock::new(|| big(KEY_1024.public_key().n()));

#[derive(Arbitrary, Debug)]
enum Value {
    Small(i64),
    /// Any integer, reduced mod n.
    Big(Vec<u8>),
}

impl Value {
    fn reduce(&self) -> BigUint {
        match self {
            Self::Small(v) => signed_mod(&BigInt::from(*v), &N),
            Self::Big(bytes) => BigUint::from_bytes_be(bytes) % &*N,
        }
    }

    fn plaintext(&self) -> (Plaintext<S>, BigUint) {
        let m = self.reduce();
        let value = uint::<U1024>(&m).expect("below n");
        let plaintext = KEY_1024.public_key().plaintext(value).expect("below n");
        (plaintext, m)
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    Encrypt(Value),
    EncryptCrt(Value),
    /// Public-key and CRT encryption with the same nonce (reduced mod n, made invertible).
    EncryptWithNonce(Value, Vec<u8>),
    Add(u8, u8),
    AddPlaintext(u8, Value),
    Neg(u8),
    Sub(u8, u8),
    MulScalar(u8, i64),
    MulScalarWide(u8, [u64; 4]),
    Dot(Vec<(u8, i64)>),
    Rerandomize(u8),
    RerandomizeCrt(u8),
}

#[derive(Arbitrary, Debug)]
struct Prediction {
    weights: Vec<(f64, f64)>,
    intercept: f64,
    /// All features at one exponent, or each at python-paillier's.
    exponent: Option<i8>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    seed: u64,
    ops: Vec<Op>,
    prediction: Option<Prediction>,
}

/// The signed value of a two's-complement 256-bit integer.
fn signed_256(words: &[u64; 4]) -> BigInt {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    BigInt::from_signed_bytes_le(&bytes)
}

fn check_prediction(p: &Prediction, seed: u64) {
    let key = &*KEY_1024;
    let public = key.public_key();
    let d = p.weights.len();
    if d == 0 || d > 8 {
        return;
    }
    let weights: Vec<f64> = p.weights.iter().map(|w| w.0).collect();
    let values: Vec<f64> = p.weights.iter().map(|w| w.1).collect();
    let names: Vec<String> = (0..d).map(|i| format!("x{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let finite = weights.iter().chain(&values).all(|x| x.is_finite()) && p.intercept.is_finite();
    let built = Model::from_f64("y", &names, &weights, p.intercept, &mut rng(seed));
    let Ok((model, quantization)) = built else {
        assert!(
            !finite,
            "a model of finite weights is refused: {:?}",
            built.err()
        );
        return;
    };
    for (w, q) in weights.iter().zip(model.weights_f64()) {
        assert!(
            (w - q).abs() <= quantization.max_absolute_error,
            "weight {w} became {q}"
        );
    }
    assert_eq!(
        model.intercept_f64(),
        p.intercept,
        "the intercept is not exact"
    );
    let exponent = p.exponent.map(i32::from);
    let features = match public.encrypt_features(&values, exponent, &mut rng(seed ^ 1)) {
        Ok(features) => features,
        Err(hecate::Error::FeatureTooLarge | hecate::Error::Overflow) => return,
        Err(hecate::Error::NotFinite) if values.iter().any(|v| !v.is_finite()) => return,
        Err(error) => panic!("features do not encrypt: {error}"),
    };
    let clear = model.evaluate(&values).expect("count matches");
    let answer = match model.predict(public, &features, &mut rng(seed ^ 2)) {
        Ok(answer) => answer,
        Err(hecate::Error::Overflow | hecate::Error::ExponentOutOfRange) => return,
        Err(error) => panic!("predict failed: {error}"),
    };
    assert!(in_z_star_n2(&big(answer.ciphertext.value()), &N));
    // The features as encrypted (rounded to a fixed exponent, if one was chosen).
    let encoded: Vec<f64> = features
        .iter()
        .map(|f| hecate_fuzz::decrypt_decode(key, f).expect("a feature decrypts"))
        .collect();
    let clear_encoded = model.evaluate(&encoded).expect("count matches");
    match hecate_fuzz::decrypt_decode(key, &answer) {
        Ok(value) => {
            let scale: f64 = model
                .weights_f64()
                .zip(&encoded)
                .map(|(w, x)| (w * x).abs())
                .sum::<f64>()
                + model.intercept_f64().abs();
            // The clear sums round in f64; the answer rounds the intercept to its exponent.
            // And subnormal results round differently in f64 and in the exact decoding.
            let tolerance = 1e-9 * scale + 16f64.powi(answer.exponent) + 1e-300;
            assert!(
                !clear_encoded.is_finite() || (value - clear_encoded).abs() <= tolerance,
                "encrypted {value} vs clear {clear_encoded} (on the raw features {clear}), \
                 tolerance {tolerance}"
            );
        }
        Err(hecate::Error::OutOfF64Range) => {
            assert!(!clear_encoded.is_finite() || clear_encoded.abs() > 1e300);
        }
        Err(error) => panic!("the answer does not decrypt: {error}"),
    }
}

fuzz_target!(|input: Input| {
    let key = &*KEY_1024;
    let public = key.public_key();
    let n = &*N;
    let mut random = rng(input.seed);
    let mut state: Vec<(Ciphertext<S>, BigUint)> = Vec::new();
    for op in input.ops.iter().take(24) {
        let pick = |i: &u8| state.get(usize::from(*i) % state.len().max(1)).cloned();
        let next = match op {
            Op::Encrypt(v) => {
                let (m, expected) = v.plaintext();
                Some((public.encrypt(&m, &mut random).expect("encrypts"), expected))
            }
            Op::EncryptCrt(v) => {
                let (m, expected) = v.plaintext();
                Some((key.encrypt(&m, &mut random).expect("encrypts"), expected))
            }
            Op::EncryptWithNonce(v, r) => {
                let (m, expected) = v.plaintext();
                let r = BigUint::from_bytes_be(r) % n;
                let r = uint::<U1024>(&r).expect("below n");
                let a = hecate::hazmat::encrypt_with_nonce(public, &m, &r);
                let b = hecate::hazmat::encrypt_crt_with_nonce(key, &m, &r);
                match (a, b) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a, b, "public-key and CRT encryption disagree");
                        Some((a, expected))
                    }
                    (Err(_), Err(_)) => None,
                    (a, b) => panic!("one encryption refused the nonce: {a:?} {b:?}"),
                }
            }
            Op::Add(i, j) => pick(i)
                .zip(pick(j))
                .map(|((a, x), (b, y))| (public.add(&a, &b).expect("adds"), (x + y) % n)),
            Op::AddPlaintext(i, v) => pick(i).map(|(a, x)| {
                let (m, y) = v.plaintext();
                (public.add_plaintext(&a, &m).expect("adds"), (x + y) % n)
            }),
            Op::Neg(i) => pick(i).map(|(a, x)| (public.neg(&a).expect("negates"), (n - x) % n)),
            Op::Sub(i, j) => pick(i)
                .zip(pick(j))
                .map(|((a, x), (b, y))| (public.sub(&a, &b).expect("subtracts"), (x + n - y) % n)),
            Op::MulScalar(i, k) => pick(i).map(|(a, x)| {
                let c = public
                    .mul_scalar(&a, &I64::from_i64(*k))
                    .expect("multiplies");
                (c, signed_mod(&(BigInt::from(x) * k), n))
            }),
            Op::MulScalarWide(i, words) => pick(i).map(|(a, x)| {
                let c = public
                    .mul_scalar(&a, &I256::from_words(*words))
                    .expect("multiplies");
                (c, signed_mod(&(BigInt::from(x) * signed_256(words)), n))
            }),
            Op::Dot(terms) if !state.is_empty() => {
                let mut sum: Option<Ciphertext<S>> = None;
                let mut expected = BigInt::default();
                for (i, k) in terms.iter().take(8) {
                    let (a, x) = pick(i).expect("state is not empty");
                    let term = public
                        .mul_scalar(&a, &I64::from_i64(*k))
                        .expect("multiplies");
                    sum = Some(match sum {
                        Some(s) => public.add(&s, &term).expect("adds"),
                        None => term,
                    });
                    expected += BigInt::from(x) * k;
                }
                sum.map(|c| (c, signed_mod(&expected, n)))
            }
            Op::Dot(_) => None,
            Op::Rerandomize(i) => pick(i).map(|(a, x)| {
                let c = public.rerandomize(&a, &mut random).expect("re-randomizes");
                assert_ne!(c, a, "re-randomization kept the ciphertext");
                (c, x)
            }),
            Op::RerandomizeCrt(i) => pick(i).map(|(a, x)| {
                let c = key.rerandomize(&a, &mut random).expect("re-randomizes");
                assert_ne!(c, a, "re-randomization kept the ciphertext");
                (c, x)
            }),
        };
        if let Some((c, expected)) = next {
            assert!(
                in_z_star_n2(&big(c.value()), n),
                "left Z*_(n^2) after {op:?}"
            );
            let decrypted = key.decrypt(&c).expect("decrypts");
            assert_eq!(big(decrypted.value()), expected, "after {op:?}");
            state.push((c, expected));
        }
    }
    // A whole-state check: the sum of everything, decrypted once more as an encoded integer.
    if let Some(((first, x), rest)) = state.split_first().map(|(a, rest)| (a.clone(), rest)) {
        let mut total = first;
        let mut expected = x;
        for (c, y) in rest {
            total = public.add(&total, c).expect("adds");
            expected = (expected + y) % n;
        }
        let plaintext = key.decrypt(&total).expect("decrypts");
        assert_eq!(big(plaintext.value()), expected);
        let number = EncodedNumber::from_parts(plaintext, 0).expect("exponent 0");
        // Decoding is total: a value or a typed error.
        let _ = number.decode(public);
    }
    if let Some(prediction) = &input.prediction {
        check_prediction(prediction, input.seed);
    }
});
