//! Query messages, the company's trust boundary: whatever decodes has a key of the size, 1 to 128
//! features in range (each ciphertext in Z*_{n²} by an independent num-bigint check), valid names
//! (none, or one per feature), and re-encodes to the same query. A small accepted query then goes
//! through the company's side: model check and encrypted prediction, whose answer must decode for
//! the query's key; under a fixed key, the customer's decryption must not panic.
//!
//! Each input is checked as given and again with its CRC made right, so that blind mutations
//! reach the rules behind the checksum.
#![no_main]

use hecate::{
    Answer, InsecureTest1024, KeySize, Model, Paillier2048, Paillier3072, Paillier4096, PrivateKey,
    Query,
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
    let (model, _) =
        Model::from_f64("y", &names, &weights, 12.25, &mut rng(3)).expect("a valid model");
    match model.check_query(&query) {
        Ok(()) | Err(hecate::Error::ModelMismatch) => {}
        Err(error) => panic!("a model built for the query refuses it: {error}"),
    }
    match model.predict(&query.key, &query.features, &mut rng(4)) {
        Ok(value) => {
            let answer = Answer {
                fingerprint: query.key.fingerprint(),
                model: model.id(),
                value,
            };
            let bytes = hecate_fuzz::encode(|out| answer.to_bytes(out));
            let back = Answer::from_bytes(&bytes, &query.key).expect("our answer decodes");
            assert_eq!(back, answer);
        }
        Err(hecate::Error::Overflow | hecate::Error::ExponentOutOfRange) => {}
        Err(error) => panic!("unexpected error from predict: {error}"),
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
