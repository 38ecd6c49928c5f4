//! Known-answer vectors from python-paillier (`scripts/python-paillier-vectors.py`): Hecate's
//! encryption with phe's r gives phe's ciphertext, and Hecate decrypts every phe ciphertext.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::integer_division_remainder_used,
    reason = "tests panic to fail and compute their oracle with plain division"
)]

mod common;

use common::{big, dec, uint};
use hecate::hazmat::{encrypt_crt_with_nonce, encrypt_with_nonce};
use hecate::{
    InsecureTest1024, KeySize, Paillier2048, Paillier3072, Paillier4096, PrivateKey, PublicKey,
};
use serde_json::Value;

/// The committed vectors; `HECATE_PHE_VECTORS=path` checks a freshly generated file instead.
const VECTORS: &str = include_str!("vectors/python_paillier.json");

fn field<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {name}"))
}

/// Checks every vector of one key; returns how many ciphertexts were checked.
fn check<S: KeySize>(key: &Value) -> usize {
    let public = PublicKey::<S>::from_n(uint(&dec(field(key, "n")))).expect("phe's n is valid");
    let private = PrivateKey::from_components(
        &public,
        uint(&dec(field(key, "p"))),
        uint(&dec(field(key, "q"))),
        &mut common::rng(1),
    )
    .expect("phe's p and q are valid");
    let mut checked = 0;
    for vector in key["raw_encrypt"].as_array().expect("raw_encrypt vectors") {
        let m = public
            .plaintext(uint(&dec(field(vector, "m"))))
            .expect("m < n");
        let r = uint(&dec(field(vector, "r")));
        let c = dec(field(vector, "c"));
        assert_eq!(
            big(encrypt_with_nonce(&public, &m, &r)
                .expect("encrypt with nonce")
                .value()),
            c,
            "public encryption, {} bits",
            S::BITS
        );
        assert_eq!(
            big(encrypt_crt_with_nonce(&private, &m, &r)
                .expect("encrypt crt with nonce")
                .value()),
            c,
            "CRT encryption, {} bits",
            S::BITS
        );
        let c = public
            .ciphertext(uint(&c))
            .expect("phe's ciphertext is valid");
        assert_eq!(
            private.decrypt(&c).expect("decrypt"),
            m,
            "decryption, {} bits",
            S::BITS
        );
        checked += 1;
    }
    for vector in key["encrypt"].as_array().expect("encrypt vectors") {
        let c = public
            .ciphertext(uint(&dec(field(vector, "c"))))
            .expect("valid");
        assert_eq!(
            big(private.decrypt(&c).expect("decrypt").value()),
            dec(field(vector, "m"))
        );
        checked += 1;
    }
    checked
}

#[test]
fn python_paillier_known_answers() {
    let text = match std::env::var("HECATE_PHE_VECTORS") {
        Ok(path) => {
            std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
        }
        Err(_) => VECTORS.to_owned(),
    };
    let vectors: Value = serde_json::from_str(&text).expect("vectors are JSON");
    let mut sizes = Vec::new();
    for key in vectors["keys"].as_array().expect("keys") {
        let bits = key["bits"].as_u64().expect("bits");
        let checked = match bits {
            1024 => check::<InsecureTest1024>(key),
            2048 => check::<Paillier2048>(key),
            3072 => check::<Paillier3072>(key),
            4096 => check::<Paillier4096>(key),
            other => panic!("no key size of {other} bits"),
        };
        assert!(checked >= 10, "{bits} bits: only {checked} vectors");
        sizes.push(bits);
    }
    assert_eq!(sizes, [1024, 2048, 3072, 4096]);
}
