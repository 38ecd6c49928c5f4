//! Fixed-point encoding against python-paillier's own `EncodedNumber` (vectors written by
//! `scripts/python-paillier-vectors.py`) and against an exact big-integer reference.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::integer_division_remainder_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "tests panic to fail and compute their reference with plain arithmetic"
)]

mod common;

use std::sync::LazyLock;

use common::{big, dec, uint};
use hecate::{
    EncodedNumber, Error, InsecureTest1024, KeySize, Paillier2048, PrivateKey, PublicKey,
};
use num_bigint::BigUint;
use num_traits::{One, ToPrimitive, Zero};
use proptest::prelude::*;
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors/python_paillier.json")).expect("JSON")
}

fn public_key<S: KeySize>(key: &Value) -> PublicKey<S> {
    PublicKey::from_n(uint(&dec(key["n"].as_str().expect("n")))).expect("valid n")
}

fn f64_from(bits: &Value) -> f64 {
    f64::from_bits(bits.as_str().expect("bits").parse().expect("u64"))
}

fn encoded<S: KeySize>(key: &PublicKey<S>, encoding: &BigUint, exponent: i32) -> EncodedNumber<S> {
    EncodedNumber::from_parts(key.plaintext(uint(encoding)).expect("below n"), exponent)
        .expect("exponent")
}

fn check_python_paillier<S: KeySize>(key: &Value) -> usize {
    let public = public_key::<S>(key);
    let mut checked = 0;
    for vector in key["encoding"]["encode"]
        .as_array()
        .expect("encode vectors")
    {
        let value = f64_from(&vector["value"]);
        let ours = match vector["precision"].as_i64() {
            None => EncodedNumber::from_f64(&public, value),
            Some(exponent) => EncodedNumber::from_f64_at(&public, value, exponent as i32),
        };
        match vector["error"].as_str() {
            Some("overflow") => assert_eq!(ours, Err(Error::Overflow), "{value:e}"),
            _ => {
                let ours = ours.expect("encodes");
                assert_eq!(
                    i64::from(ours.exponent()),
                    vector["exponent"].as_i64().expect("e"),
                    "{value:e}"
                );
                assert_eq!(
                    big(ours.plaintext().value()),
                    dec(vector["encoding"].as_str().expect("m")),
                    "{value:e}"
                );
                // Every python-paillier encoding of a float decodes back to it exactly.
                let back = ours.decode(&public).expect("decodes");
                assert!(
                    back == value || back.is_nan() == value.is_nan(),
                    "{value:e} → {back:e}"
                );
            }
        }
        checked += 1;
    }
    for vector in key["encoding"]["decode"]
        .as_array()
        .expect("decode vectors")
    {
        let number = encoded(
            &public,
            &dec(vector["encoding"].as_str().expect("m")),
            vector["exponent"].as_i64().expect("e") as i32,
        );
        let ours = number.decode(&public);
        match vector["error"].as_str() {
            Some("overflow") => assert_eq!(ours, Err(Error::Overflow)),
            Some("f64 range") => assert_eq!(ours, Err(Error::OutOfF64Range)),
            _ => {
                let expected = f64_from(&vector["value"]);
                let ours = ours.expect("decodes");
                assert_eq!(
                    ours.to_bits(),
                    expected.to_bits(),
                    "{ours:e} ≠ python's {expected:e}"
                );
            }
        }
        checked += 1;
    }
    checked
}

#[test]
fn python_paillier_encodes_and_decodes_the_same() {
    let vectors = vectors();
    let keys = vectors["keys"].as_array().expect("keys");
    assert!(check_python_paillier::<InsecureTest1024>(&keys[0]) > 200);
    assert!(check_python_paillier::<Paillier2048>(&keys[1]) > 200);
}

/// The nearest `f64` to `magnitude · 2^exp2` (ties to even), or `None` past the largest `f64`:
/// an independent, variable-time reference on big integers.
fn reference_f64(magnitude: &BigUint, exp2: i64) -> Option<f64> {
    if magnitude.is_zero() {
        return Some(0.0);
    }
    let width = magnitude.bits() as i64;
    let leading = width - 1 + exp2;
    if leading > 1023 {
        return None; // at least 2^1024
    }
    // Significant bits the result keeps: 53, fewer in the subnormal range.
    let precision = if leading >= -1022 {
        53
    } else {
        53 - (-1022 - leading)
    };
    let shift = precision - width;
    let q = if shift >= 0 {
        magnitude << shift as usize
    } else {
        let drop = (-shift) as usize;
        let kept = magnitude >> drop;
        let remainder = magnitude - (&kept << drop);
        let half = BigUint::one() << (drop - 1);
        if remainder > half || (remainder == half && kept.bit(0)) {
            kept + 1u32
        } else {
            kept
        }
    };
    let q = q.to_u64().expect("at most 2^53");
    let scale = leading - precision + 1;
    if scale == -1074 {
        return Some(f64::from_bits(q)); // subnormal (or the smallest normal after rounding)
    }
    // q < 2^54 and the result is normal here: scale by two exact powers of two.
    let half_scale = scale / 2;
    let power = |e: i64| f64::from_bits(((e + 1023) as u64) << 52);
    let value = q as f64 * power(half_scale) * power(scale - half_scale);
    value.is_finite().then_some(value)
}

fn sign(negative: bool, x: f64) -> f64 {
    if negative { -x } else { x }
}

static SMALL: LazyLock<PrivateKey<InsecureTest1024>> =
    LazyLock::new(|| PrivateKey::generate(&mut common::rng(77)).expect("keygen"));

fn mantissa_strategy() -> impl Strategy<Value = (Vec<u8>, u32, bool)> {
    (
        proptest::collection::vec(any::<u8>(), 128),
        0u32..=1024,
        any::<bool>(),
    )
}

/// A magnitude of at most `bits` bits, below max_int.
fn magnitude(bytes: &[u8], bits: u32, max_int: &BigUint) -> BigUint {
    let x = BigUint::from_bytes_le(bytes) >> (1024 - bits.min(1024)) as usize;
    x % (max_int + 1u32)
}

proptest! {
    #![proptest_config(common::config(512))]

    #[test]
    fn every_f64_survives_encoding(bits in any::<u64>()) {
        let value = f64::from_bits(bits);
        let public = SMALL.public_key();
        let number = EncodedNumber::from_f64(public, value);
        if value.is_finite() {
            let back = number.expect("encodes").decode(public).expect("decodes");
            prop_assert_eq!(back.to_bits(), if value == 0.0 { 0 } else { value.to_bits() });
        } else {
            prop_assert_eq!(number, Err(Error::NotFinite));
        }
    }

    #[test]
    fn decoding_rounds_correctly((bytes, bits, negative) in mantissa_strategy(), exponent in -400i32..=300) {
        let public = SMALL.public_key();
        let n = big(public.n());
        let max_int = big(&public.max_int());
        let m = magnitude(&bytes, bits, &max_int);
        let stored = if negative && !m.is_zero() { &n - &m } else { m.clone() };
        let number = encoded(public, &stored, exponent);
        match reference_f64(&m, 4 * i64::from(exponent)) {
            Some(expected) => {
                let ours = number.decode(public).expect("decodes");
                let expected = if m.is_zero() { 0.0 } else { sign(negative, expected) };
                prop_assert_eq!(ours.to_bits(), expected.to_bits(), "{} · 16^{}", m, exponent);
            }
            None => prop_assert_eq!(number.decode(public), Err(Error::OutOfF64Range)),
        }
    }

    #[test]
    fn fixed_exponent_encoding_rounds_half_to_even(bits in any::<u64>(), exponent in -300i32..=300) {
        let value = f64::from_bits(bits);
        prop_assume!(value.is_finite());
        let public = SMALL.public_key();
        let n = big(public.n());
        // value = ±significand · 2^e2, exactly.
        let raw = value.abs().to_bits();
        let biased = (raw >> 52) as i64;
        let significand = BigUint::from(if biased == 0 { raw } else { raw & ((1 << 52) - 1) | 1 << 52 });
        let e2 = biased.max(1) - 1075 - 4 * i64::from(exponent);
        let expected = if e2 >= 0 {
            significand << e2 as usize
        } else {
            let drop = (-e2) as usize;
            let kept = &significand >> drop;
            let remainder = &significand - (&kept << drop);
            let half = BigUint::one() << (drop - 1);
            if remainder > half || (remainder == half && kept.bit(0)) { kept + 1u32 } else { kept }
        };
        let ours = EncodedNumber::from_f64_at(public, value, exponent);
        if expected > big(&public.max_int()) {
            prop_assert_eq!(ours, Err(Error::Overflow));
        } else {
            let stored = if value.is_sign_negative() && !expected.is_zero() { &n - &expected } else { expected };
            prop_assert_eq!(big(ours.expect("fits").plaintext().value()), stored);
        }
    }

    #[test]
    fn lowering_the_exponent_keeps_the_value((bytes, bits, negative) in mantissa_strategy(), exponent in -200i32..=200, lower in 0i32..300) {
        let public = SMALL.public_key();
        let n = big(public.n());
        let max_int = big(&public.max_int());
        let m = magnitude(&bytes, bits, &max_int);
        let stored = if negative && !m.is_zero() { &n - &m } else { m.clone() };
        let number = encoded(public, &stored, exponent);
        let lowered = number.with_exponent(public, exponent - lower);
        let scaled = &m << (4 * lower as usize);
        if scaled > max_int {
            prop_assert_eq!(lowered, Err(Error::Overflow));
        } else {
            let lowered = lowered.expect("fits");
            prop_assert_eq!(lowered.exponent(), exponent - lower);
            let exact = lowered.decode_exact(public).expect("valid");
            prop_assert_eq!(big(&exact.magnitude), scaled);
            prop_assert_eq!(exact.negative, negative && !m.is_zero());
        }
    }
}

#[test]
fn the_gap_is_an_overflow_and_its_edges_decode() {
    let public = SMALL.public_key();
    let n = big(public.n());
    let max_int = big(&public.max_int());
    assert_eq!(max_int, &n / 3u32 - 1u32);
    for inside in [&max_int + 1u32, &n / 2u32, &n - &max_int - 1u32] {
        assert_eq!(
            encoded(public, &inside, 0).decode(public),
            Err(Error::Overflow)
        );
        assert_eq!(
            encoded(public, &inside, 0).decode_exact(public).err(),
            Some(Error::Overflow)
        );
    }
    let top = encoded(public, &max_int, -250)
        .decode(public)
        .expect("max_int decodes");
    assert_eq!(top, reference_f64(&max_int, -1000).expect("finite"));
    let bottom = encoded(public, &(&n - &max_int), -250)
        .decode(public)
        .expect("−max_int decodes");
    assert_eq!(bottom, -top);
}

#[test]
fn integers_and_bounds() {
    let public = SMALL.public_key();
    for value in [0i64, 1, -1, 42, -4242, i64::MAX, i64::MIN] {
        let number = EncodedNumber::from_i64(public, value);
        assert_eq!(number.exponent(), 0);
        assert_eq!(number.decode(public).expect("decodes"), value as f64);
    }
    assert_eq!(
        EncodedNumber::from_f64(public, f64::NAN),
        Err(Error::NotFinite)
    );
    assert_eq!(
        EncodedNumber::from_f64(public, f64::NEG_INFINITY),
        Err(Error::NotFinite)
    );
    assert_eq!(
        EncodedNumber::from_f64_at(public, 1.0, 2049),
        Err(Error::ExponentOutOfRange)
    );
    assert_eq!(
        EncodedNumber::from_f64_at(public, 1.0, -2049),
        Err(Error::ExponentOutOfRange)
    );
    let one = EncodedNumber::from_f64_at(public, 1.0, 0).expect("fits");
    assert_eq!(one.with_exponent(public, 1), Err(Error::ExponentOutOfRange));
    // 2^1000 at exponent 0 needs 1001 bits: too much for a 1024-bit key only after lowering.
    let big_value = EncodedNumber::from_f64_at(public, 2f64.powi(1000), 0).expect("fits");
    assert_eq!(big_value.with_exponent(public, -6), Err(Error::Overflow));
    assert!(big_value.with_exponent(public, -5).is_ok());
}
