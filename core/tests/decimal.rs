//! `Integer::from_decimal`, the constant-time decimal reader, against num-bigint.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::integer_division_remainder_used,
    reason = "tests panic to fail and compute their oracle with plain division"
)]

mod common;

use common::{big, config};
use hecate::Integer;
use hecate::crypto_bigint::{U64, U1024};
use num_bigint::BigUint;
use num_traits::One;
use proptest::prelude::*;

fn read<T: Integer>(digits: &str) -> Option<T> {
    T::from_decimal(digits.as_bytes()).into_option()
}

proptest! {
    #![proptest_config(config(512))]

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
