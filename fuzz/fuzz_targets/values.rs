//! The `--values` parser: whatever is accepted is one finite number per comma-separated item; then,
//! encoded and encrypted under the 1024-bit test key at python-paillier's exponents, each decrypts
//! to exactly the value given; and encrypted all at the default exponent (as without a card), each
//! decrypts to the value rounded to a multiple of 16^-8, refused exactly when a mantissa would
//! reach 2^64 (as too large for a feature, or beyond the key).
#![no_main]

use hecate::{DEFAULT_FEATURE_EXPONENT, EncodedNumber};
use hecate_app::workflows::encrypt::parse_values;
use hecate_fuzz::{KEY_1024, decrypt_decode, rng, scale_by_power_of_two};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(values) = parse_values(text) else {
        return;
    };
    assert_eq!(
        values.len(),
        text.split(',').count(),
        "values and items disagree"
    );
    assert!(values.iter().all(|v| v.is_finite()), "{values:?}");
    for (value, item) in values.iter().zip(text.split(',')) {
        assert_eq!(item.trim().parse::<f64>().ok(), Some(*value));
    }
    if values.len() > 16 {
        return;
    }
    let key = &*KEY_1024;
    let public = key.public_key();
    // At python-paillier's exponent for each value: exact.
    for value in &values {
        let number = EncodedNumber::from_f64(public, *value).expect("a finite value encodes");
        let feature = public
            .encrypt_number(&number, &mut rng(5))
            .expect("encrypts");
        let back = decrypt_decode(key, &feature).expect("decrypts");
        assert!(
            back == *value || (back == 0.0 && *value == 0.0),
            "{value} came back as {back}"
        );
    }
    // All at the default exponent, as the command line encrypts without a card: each value
    // rounded to a multiple of 16^-8, refused exactly when its mantissa reaches 2^64.
    let too_large = values.iter().any(|value| {
        let scaled = scale_by_power_of_two(*value, 32).round_ties_even();
        scaled.abs() >= 18_446_744_073_709_551_616.0
    });
    match public.encrypt_features(&values, DEFAULT_FEATURE_EXPONENT, &mut rng(6)) {
        Ok(features) => {
            assert!(!too_large, "encrypted a mantissa of 64 bits or more");
            for (value, feature) in values.iter().zip(&features) {
                assert_eq!(feature.exponent, DEFAULT_FEATURE_EXPONENT);
                let back = decrypt_decode(key, feature).expect("decrypts");
                let rounded =
                    scale_by_power_of_two(scale_by_power_of_two(*value, 32).round_ties_even(), -32);
                assert!(
                    back == rounded || (back == 0.0 && rounded == 0.0),
                    "{value} came back as {back}, not {rounded}"
                );
            }
        }
        // A mantissa beyond the key's plaintext space is refused while encoding, as an overflow.
        Err(hecate::Error::FeatureTooLarge | hecate::Error::Overflow) => {
            assert!(too_large, "refused {values:?}")
        }
        Err(error) => panic!("unexpected encryption error: {error}"),
    }
});
