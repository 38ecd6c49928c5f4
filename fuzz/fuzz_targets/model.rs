//! Model messages: whatever decodes has as many weights and feature specs as valid names,
//! re-encodes to the same model, and has a card (at 4096 bits, which any valid encoding fits).
//! A small model then answers under the 1024-bit test key, on features at the extremes of their
//! declared ranges (where the mask is tightest): whenever its card takes a 1024-bit key, the
//! masked answer is given, unmasks to the unprotected prediction on the same ciphertexts (when
//! that is not refused as a possible overflow), and decrypts to its prediction in the clear.
//!
//! Each input is checked as given and again with its CRC made right, so that blind mutations
//! reach the rules behind the checksum.
#![no_main]

use hecate::{EncodedNumber, FeatureSpec, InsecureTest1024, Model, PublicKey, Query};
use hecate_fuzz::{KEY_1024, PROOF_1024, decrypt_decode, rng};
use libfuzzer_sys::fuzz_target;

/// Feature i's mantissa: alternately the top and the bottom of its declared range.
fn mantissa(i: usize, spec: &FeatureSpec) -> i64 {
    let (low, high) = spec.mantissas();
    if i.is_multiple_of(2) { high } else { low }
}

/// m · 16^e exactly, as an encoded number.
fn exact(key: &PublicKey<InsecureTest1024>, m: i64, e: i32) -> EncodedNumber<InsecureTest1024> {
    let integer = EncodedNumber::from_i64(key, m);
    EncodedNumber::from_parts(integer.plaintext().clone(), e).expect("an exponent in range")
}

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
    assert_eq!(model.specs().len(), names.len(), "specs and names disagree");
    let again = hecate_fuzz::encode(|out| model.to_bytes(out));
    assert_eq!(again, data, "a model has a second encoding");
    let card = model
        .card(&[4096])
        .expect("a decoded model has a card at 4096 bits");
    assert_eq!(card.features(), model.features());
    assert_eq!(card.specs(), model.specs());
    assert_eq!(card.weight_exponent(), model.weight_exponent());
    // The prediction, only for small models (each feature costs a 256-bit exponentiation).
    let d = names.len();
    if d > 8 {
        return;
    }
    let key = &*KEY_1024;
    let public = key.public_key();
    let Ok(card) = model.card(&[1024]) else {
        assert!(
            card.mask_bits() > 1022,
            "a card refuses a key its mask fits"
        );
        return;
    };
    let mut features = Vec::new();
    let mut values = Vec::new();
    for (i, spec) in model.specs().iter().enumerate() {
        let m = mantissa(i, spec);
        let number = exact(public, m, spec.exponent());
        features.push(
            public
                .encrypt_number(&number, &mut rng(1))
                .expect("encrypts"),
        );
        values.push(number.decode(public).unwrap_or(f64::NAN));
    }
    let clear = model.evaluate(&values).expect("count matches");
    let query = Query {
        key: public.clone(),
        proof: Some(PROOF_1024.clone()),
        model: Some(model.id()),
        names: model.features().iter().cloned().collect(),
        features: features.iter().copied().collect(),
    };
    let answer = model
        .answer_with_verified_key(&query, &mut rng(2))
        .expect("an in-range query is always answered");
    assert_eq!(answer.mask_bits, card.mask_bits());
    assert_eq!(answer.value.exponent, card.answer_exponent());
    let unmasked = key.decrypt_answer(&answer).expect("unmasks");
    match model.predict_unprotected(public, &features, &mut rng(3)) {
        Ok(prediction) => {
            assert_eq!(prediction.exponent, answer.value.exponent);
            assert_eq!(
                key.decrypt_number(&prediction).expect("decrypts"),
                unmasked,
                "the masked and the unprotected predictions differ"
            );
            assert_eq!(
                decrypt_decode(key, &prediction),
                unmasked.decode(public),
                "decoding differs"
            );
        }
        Err(hecate::Error::Overflow) => {}
        Err(error) => panic!("unexpected error from predict_unprotected: {error}"),
    }
    match unmasked.decode(public) {
        Ok(encrypted) => {
            // Both round: f64 sums in the clear, the intercept's alignment in the answer.
            let scale: f64 = model
                .weights_f64()
                .zip(&values)
                .map(|(w, x)| (w * x).abs())
                .sum::<f64>()
                + model.intercept_f64().abs();
            let step = 16f64.powi(answer.value.exponent);
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
        Err(error) => panic!("an answer does not decrypt: {error}"),
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
