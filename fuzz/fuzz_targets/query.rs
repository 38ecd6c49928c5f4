//! Query messages, the company's trust boundary: whatever decodes has a key of the size, 1 to 128
//! features in range (each ciphertext in Z*_{n²} by an independent num-bigint check), valid names
//! (none, or one per feature), and re-encodes to the same query. A small accepted query then goes
//! through the company's side, for a model whose card sets the query's exponents: the masked answer
//! without re-verifying the proof (given iff a proof is present, the query is for the model and
//! the mask fits the key), the answer verifying it (refused exactly as `verify_key` refuses), and
//! the unprotected prediction; the answer must decode for the query's key, and under a fixed key
//! the customer's unmasking and decryption must not panic.
//!
//! Each input is checked as given and again with its CRC made right, so that blind mutations
//! reach the rules behind the checksum.
#![no_main]

use hecate::{
    Answer, FeatureSpec, InsecureTest1024, KeySize, Model, Paillier2048, Paillier3072,
    Paillier4096, PrivateKey, Query,
};
use hecate_fuzz::{KEY_1024, KEY_2048, big, in_z_star_n2, rng, same_key, valid_exponent};
use libfuzzer_sys::fuzz_target;

fn one<S: KeySize>(data: &[u8], fixed: Option<&PrivateKey<S>>) {
    let Ok(query) = Query::<S>::from_bytes(data) else {
        return;
    };
    assert_eq!(
        hecate::key_bits(data).ok(),
        Some(S::BITS),
        "key_bits disagrees"
    );
    let again = hecate_fuzz::encode(|out| query.to_bytes(out));
    assert_eq!(again, data, "a query has a second encoding");
    let d = query.features.len();
    assert!((1..=hecate::MAX_FEATURES).contains(&d), "{d} features");
    assert!(
        query.names.is_empty() || query.names.len() == d,
        "names and features disagree"
    );
    let n = big(query.key.n());
    assert!(n.bit(0) && n.bits() == u64::from(S::BITS), "a bad key");
    for feature in &query.features {
        assert!(
            valid_exponent(feature.exponent),
            "exponent {}",
            feature.exponent
        );
        assert!(
            in_z_star_n2(&big(feature.ciphertext.value()), &n),
            "accepted a ciphertext outside Z*_(n^2)"
        );
        assert_eq!(feature.ciphertext.key(), &query.key.fingerprint());
    }
    if let Some(key) = fixed.filter(|key| same_key(key.public_key(), &query.key)) {
        for feature in &query.features {
            let _ = hecate_fuzz::decrypt_decode(key, feature);
        }
    }
    // The company's side, for small queries at the small sizes.
    if d > 8 || S::BITS > 2048 {
        return;
    }
    let names: Vec<String> = if query.names.is_empty() {
        (0..d).map(|i| format!("f{i}")).collect()
    } else {
        query.names.iter().map(|n| n.to_string()).collect()
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let weights: Vec<f64> = (0..d).map(|i| 1.5 - i as f64).collect();
    // A card that sets each feature at the query's exponent, so that the answer is computed.
    let specs: Vec<FeatureSpec> = query
        .features
        .iter()
        .map(|f| FeatureSpec::new(f.exponent, -(1 << 20), 1 << 20).expect("a valid spec"))
        .collect();
    let model = match Model::from_f64("y", &names, &specs, &weights, 12.25, &mut rng(3)) {
        Ok((model, _)) => model,
        // Exponents too far apart, or at the edge of the range: no mask; public, and no answer.
        Err(hecate::Error::InvalidEncoding | hecate::Error::ExponentOutOfRange) => return,
        Err(error) => panic!("no model for the query's exponents: {error}"),
    };
    let checked = model.check_query(&query);
    match checked {
        Ok(()) | Err(hecate::Error::ModelMismatch) => {}
        Err(ref error) => panic!("a model built for the query refuses it: {error}"),
    }
    let fits = model.card(&[S::BITS]).is_ok();
    // Without re-verifying the proof (the company's cache): answered iff a proof is present, the
    // query is for the model, and the mask fits the key.
    let answered = model.answer_with_verified_key(&query, &mut rng(4));
    match (&answered, &query.proof) {
        (Err(hecate::Error::MissingKeyProof), None) => {}
        (_, None) => panic!("answered without a proof: {answered:?}"),
        (Ok(answer), Some(_)) => {
            assert!(checked.is_ok() && fits, "answered a query it should refuse");
            check_answer(&query, &model, answer, fixed);
        }
        (Err(hecate::Error::ModelMismatch), Some(_)) => assert!(checked.is_err()),
        (Err(hecate::Error::InvalidKeySize), Some(_)) => assert!(!fits),
        (Err(error), Some(_)) => panic!("unexpected error from answer: {error}"),
    }
    // Verifying the proof first: refused exactly when it does not verify, else the same verdict.
    let verified = query.verify_key();
    if let (Ok(()), Some(proof)) = (&verified, &query.proof) {
        // A fixed key's own proof verifies; nothing else may for a fixed key's n.
        if let Some(key) = fixed.filter(|key| same_key(key.public_key(), &query.key)) {
            assert_eq!(proof, &key.prove_key().expect("proves"));
        }
    }
    match (model.answer(&query, &mut rng(4)), verified) {
        (Err(error), Err(expected)) => assert_eq!(error, expected),
        (Ok(answer), Ok(())) => assert_eq!(Ok(answer), answered),
        (Err(error), Ok(())) => assert_eq!(Err(error), answered),
        (Ok(_), Err(error)) => panic!("answered a query whose proof fails: {error}"),
    }
    // The unprotected prediction on the same ciphertexts (no proof needed).
    match model.predict_unprotected(&query.key, &query.features, &mut rng(5)) {
        Ok(value) => {
            // At the weights' exponent plus the query's finest, whatever the card's.
            let finest = query.features.iter().map(|f| f.exponent).min();
            assert_eq!(
                Some(value.exponent),
                finest.map(|e| model.weight_exponent() + e)
            );
            assert!(in_z_star_n2(
                &big(value.ciphertext.value()),
                &big(query.key.n())
            ));
        }
        Err(hecate::Error::Overflow | hecate::Error::ExponentOutOfRange) => {}
        Err(error) => panic!("unexpected error from predict_unprotected: {error}"),
    }
}

/// An answer: for the query's key and the model, at the card's mask and exponent, encodes and
/// decodes for the key; under a fixed key it unmasks to a number without a panic.
fn check_answer<S: KeySize>(
    query: &Query<S>,
    model: &Model,
    answer: &Answer<S>,
    fixed: Option<&PrivateKey<S>>,
) {
    let card = model.card(&[S::BITS]).expect("the card fits the key");
    assert_eq!(answer.fingerprint, query.key.fingerprint());
    assert_eq!(answer.model, model.id());
    assert_eq!(answer.mask_bits, card.mask_bits());
    assert_eq!(answer.value.exponent, card.answer_exponent());
    assert!(in_z_star_n2(
        &big(answer.value.ciphertext.value()),
        &big(query.key.n())
    ));
    let bytes = hecate_fuzz::encode(|out| answer.to_bytes(out));
    let back = Answer::from_bytes(&bytes, &query.key).expect("our answer decodes");
    assert_eq!(&back, answer);
    if let Some(key) = fixed.filter(|key| same_key(key.public_key(), &query.key)) {
        let number = key.decrypt_answer(answer).expect("unmasks");
        match number.decode(key.public_key()) {
            Ok(value) => assert!(value.is_finite()),
            Err(hecate::Error::OutOfF64Range) => {}
            Err(error) => panic!("an unmasked answer does not decode: {error}"),
        }
    }
}

/// The checks, on one input.
fn check(data: &[u8]) {
    hecate::fuzzing::query(data);
    one::<InsecureTest1024>(data, Some(&KEY_1024));
    one::<Paillier2048>(data, Some(&KEY_2048));
    one::<Paillier3072>(data, None);
    one::<Paillier4096>(data, None);
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
