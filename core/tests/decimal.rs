//! `Integer::from_decimal` and `Integer::write_decimal`, the constant-time decimal reader and
//! writer, against num-bigint.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::integer_division_remainder_used,
    reason = "tests panic to fail and compute their oracle with plain division"
)]

mod common;

use common::{big, config, uint};
use hecate::crypto_bigint::{U64, U512, U1024, U1536, U2048, U4096};
use hecate::{Error, Integer};
use num_bigint::BigUint;
use num_traits::One;
use proptest::prelude::*;

fn read<T: Integer>(digits: &str) -> Option<T> {
    T::from_decimal(digits.as_bytes()).into_option()
}

fn write<T: Integer>(x: &T) -> String {
    let mut out = vec![b'x'; T::DECIMAL_DIGITS];
    let digits = x
        .write_decimal(&mut out)
        .expect("a buffer of DECIMAL_DIGITS");
    String::from_utf8(digits.to_vec()).expect("ASCII digits")
}

/// `x`, reduced to the width of `T`, writes as num-bigint writes it and reads back.
fn check_write<T: Integer>(x: &BigUint) {
    let bits = T::BYTES * 8;
    let x = x % (BigUint::one() << bits);
    let value: T = uint(&x);
    let text = write::<T>(&value);
    assert_eq!(text, x.to_string(), "{bits} bits");
    assert_eq!(read::<T>(&text), Some(value), "{bits} bits");
}

/// Every width a prime, n or a test has: the primes of the four key sizes (512 to 2048 bits), n.
fn check_write_all(x: &BigUint) {
    check_write::<U64>(x);
    check_write::<U512>(x);
    check_write::<U1024>(x);
    check_write::<U1536>(x);
    check_write::<U2048>(x);
    check_write::<U4096>(x);
}

proptest! {
    #![proptest_config(config(512))]

    /// Random values of every width, and of every digit count, write as num-bigint writes them.
    #[test]
    fn writes_as_num_bigint(bytes in proptest::collection::vec(any::<u8>(), 0..=512)) {
        check_write_all(&BigUint::from_bytes_be(&bytes));
    }

    /// Any decimal string that fits reads as num-bigint reads it; one that does not is refused.
    #[test]
    fn agrees_with_num_bigint(digits in "[0-9]{1,320}") {
        let expected: BigUint = digits.parse().expect("decimal");
        let fits = expected.bits() <= 1024;
        let read = read::<U1024>(&digits);
        prop_assert_eq!(read.is_some(), fits);
        if let Some(value) = read {
            prop_assert_eq!(big(&value), expected);
        }
    }

    /// A byte that is not a digit, anywhere, is refused.
    #[test]
    fn refuses_a_non_digit(digits in "[0-9]{0,40}", bad in "[^0-9]", tail in "[0-9]{0,40}") {
        let text = format!("{digits}{bad}{tail}");
        let refused = read::<U1024>(&text).is_none();
        prop_assert!(refused);
    }
}

#[test]
fn edges() {
    assert!(read::<U64>("").is_none());
    assert_eq!(read::<U64>("0"), Some(U64::ZERO));
    assert_eq!(
        read::<U64>("000000000000000000000000000000000042"),
        Some(U64::from(42u8))
    );
    assert_eq!(read::<U64>("18446744073709551615"), Some(U64::MAX));
    assert!(read::<U64>("18446744073709551616").is_none());
    assert!(read::<U64>("-1").is_none());
    assert!(read::<U64>("1e3").is_none());
    let max = (BigUint::one() << 1024u32) - 1u32;
    assert_eq!(
        read::<U1024>(&max.to_string()).map(|x| big(&x)),
        Some(max.clone())
    );
    assert!(read::<U1024>(&(max + 1u32).to_string()).is_none());
    // One digit per chunk boundary (19 digits a limb) and around it.
    for len in [18, 19, 20, 37, 38, 39] {
        let digits = "9".repeat(len);
        let expected: BigUint = digits.parse().expect("decimal");
        assert_eq!(read::<U1024>(&digits).map(|x| big(&x)), Some(expected));
    }
}

#[test]
fn write_edges() {
    let chunk = BigUint::from(10u64.pow(19));
    let one = BigUint::one();
    let mut edges = vec![
        BigUint::ZERO,
        one.clone(),
        BigUint::from(9u8),
        BigUint::from(10u8),
        &chunk - 1u32,
        chunk.clone(),
        &chunk + 1u32,
        &chunk * &chunk - 1u32,
        &chunk * &chunk,
    ];
    // The largest value of each width, and the powers of ten around it.
    for bits in [64u32, 512, 1024, 1536, 2048, 4096] {
        edges.push((&one << bits) - 1u32);
        let digits = u32::try_from(hecate::decimal_digits(bits as usize)).expect("small");
        edges.push(BigUint::from(10u8).pow(digits - 1));
        edges.push(BigUint::from(10u8).pow(digits - 1) - 1u32);
    }
    for x in &edges {
        check_write_all(x);
    }
    assert_eq!(write(&U64::ZERO), "0");
    assert_eq!(write(&U64::MAX), "18446744073709551615");
}

#[test]
fn write_needs_decimal_digits_of_room_and_uses_no_more() {
    let mut short = [0u8; 19];
    assert_eq!(
        U64::MAX.write_decimal(&mut short).err(),
        Some(Error::BufferTooSmall)
    );
    let mut long = [b'x'; 24];
    let digits = U64::from(42u8).write_decimal(&mut long).expect("room");
    assert_eq!(digits, b"42");
    assert_eq!(&long[U64::DECIMAL_DIGITS..], b"xxxx");
    assert_eq!(U64::DECIMAL_DIGITS, 20);
    assert_eq!(U2048::DECIMAL_DIGITS, 617);
}

#[test]
fn decimal_digits_is_never_too_few() {
    for bits in [64usize, 512, 1024, 2048, 4096, 8192] {
        let max: BigUint = (BigUint::one() << bits) - 1u32;
        let digits = max.to_string().len();
        assert!(hecate::decimal_digits(bits) >= digits, "{bits} bits");
        assert!(hecate::decimal_digits(bits) <= digits + 1, "{bits} bits");
    }
    assert_eq!(hecate::decimal_digits(8192), 2467);
    assert_eq!(hecate::decimal_digits(4096), 1234);
    assert_eq!(hecate::decimal_digits(2048), 617);
}
