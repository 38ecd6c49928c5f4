//! Model messages: whatever decodes has as many weights as valid names and re-encodes to the same
//! model; its encrypted prediction (on fixed features under the 1024-bit test key), when not refused
//! as a possible overflow, decrypts to its prediction in the clear.
//!
//! Each input is checked as given and again with its CRC made right, so that blind mutations
//! reach the rules behind the checksum.
#![no_main]

use std::sync::LazyLock;

use hecate::{EncryptedNumber, InsecureTest1024, MAX_FEATURES, Model};
use hecate_fuzz::{KEY_1024, decrypt_decode, rng};
use libfuzzer_sys::fuzz_target;

/// Feature i is (−1)^i · (i + 1) / 4, encrypted once.
fn value(i: usize) -> f64 {
    let magnitude = (i as f64 + 1.0) / 4.0;
    if i.is_multiple_of(2) {
        magnitude
    } else {
        -magnitude
    }
}

static FEATURES: LazyLock<Vec<EncryptedNumber<InsecureTest1024>>> = LazyLock::new(|| {
    let values: Vec<f64> = (0..MAX_FEATURES).map(value).collect();
    let key = KEY_1024.public_key();
    key.encrypt_features(&values, None, &mut rng(1))
        .expect("encrypts")
        .into_iter()
        .collect()
});

/// The checks, on one input.
fn check(data: &[u8]) {
    hecate::fuzzing::model(data);
    let Ok(model) = Model::from_bytes(data) else {
        return;
    };
    let names: Vec<String> = model.features().iter().map(|n| n.to_string()).collect();
    assert!(hecate_fuzz::valid_names(&names), "accepted invalid names");
    assert!(
        hecate_fuzz::valid_name(model.target()),
        "accepted an invalid target"
    );
    let again = hecate_fuzz::encode(|out| model.to_bytes(out));
    assert_eq!(again, data, "a model has a second encoding");
    let card = model.card(&[2048]).expect("a decoded model has a card");
    assert_eq!(card.features(), model.features());
    // The prediction, only for small models (each feature costs a 256-bit exponentiation).
    let d = names.len();
    if d > 8 {
        return;
    }
    let key = &*KEY_1024;
    let features = FEATURES.get(..d).expect("128 features");
    let values: Vec<f64> = (0..d).map(value).collect();
    let clear = model.evaluate(&values).expect("count matches");
    match model.predict(key.public_key(), features, &mut rng(2)) {
        Ok(answer) => match decrypt_decode(key, &answer) {
            Ok(encrypted) => {
                // Both round: f64 sums in the clear, the intercept's alignment in the answer.
                let scale: f64 = model
                    .weights_f64()
                    .zip(&values)
                    .map(|(w, x)| (w * x).abs())
                    .sum::<f64>()
                    + model.intercept_f64().abs();
                let step = 16f64.powi(answer.exponent);
                // And subnormal results round differently in f64 and in the exact decoding.
                let tolerance = 1e-9 * scale + step + 1e-300;
                assert!(
                    (encrypted - clear).abs() <= tolerance || !clear.is_finite(),
                    "encrypted prediction {encrypted} vs clear {clear} (tolerance {tolerance})"
                );
            }
            Err(hecate::Error::OutOfF64Range) => {
                assert!(
                    !clear.is_finite() || clear.abs() > 1e300,
                    "{clear} is out of f64 range?"
                )
            }
            Err(error) => panic!("a prediction that was not refused does not decrypt: {error}"),
        },
        Err(hecate::Error::Overflow | hecate::Error::ExponentOutOfRange) => {}
        Err(error) => panic!("unexpected error from predict: {error}"),
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    // The same bytes with the CRC made right: blind mutations reach the decoder's rules.
    let mut fixed = data.to_vec();
    hecate::fuzzing::fix_checksum(&mut fixed);
    if fixed != data {
        check(&fixed);
    }
});
