//! Entry points for the fuzz targets in `fuzz/`: each takes arbitrary bytes, decodes them with
//! every key size, and checks that whatever decodes meets the rules and re-encodes to a message
//! that decodes to the same value. A broken check panics, which is what a fuzzer looks for. Not a
//! stable API.

#![allow(clippy::panic, reason = "a failed check must stop the fuzzer")]

use crypto_bigint::BitOps;
use rand_core::CryptoRng;

use crate::wire::{Answer, Kind, MAX_MESSAGE_LEN, Query};
use crate::{
    KeySize, Model, ModelCard, Paillier2048, Paillier3072, Paillier4096, PrivateKey, PublicKey,
};

/// Re-encodes `value` with `encode` and checks that `decode` gives it back.
fn round_trip<T: PartialEq + core::fmt::Debug>(
    value: &T,
    encode: impl Fn(&T, &mut [u8]) -> crate::Result<usize>,
    mut decode: impl FnMut(&[u8]) -> crate::Result<T>,
) {
    let mut buffer = [0u8; MAX_MESSAGE_LEN];
    let len = match encode(value, &mut buffer) {
        Ok(len) => len,
        Err(error) => panic!("a decoded message does not re-encode: {error}"),
    };
    match buffer.get(..len).map(&mut decode) {
        Some(Ok(again)) if again == *value => {}
        other => panic!("re-encoded message decodes differently: {other:?}"),
    }
}

macro_rules! each_size {
    ($function:ident, $data:expr) => {{
        $function::<Paillier2048>($data);
        $function::<Paillier3072>($data);
        $function::<Paillier4096>($data);
        #[cfg(feature = "insecure-test-keys")]
        $function::<crate::InsecureTest1024>($data);
    }};
}

/// Public key messages, with or without a proof.
pub fn public_key(data: &[u8]) {
    fn one<S: KeySize>(data: &[u8]) {
        if let Ok((key, proof)) = crate::public_key_with_proof::<S>(data) {
            assert!(
                key.n().bit_width_vartime() == S::BITS,
                "accepted a modulus of the wrong size"
            );
            round_trip(&key, PublicKey::to_bytes, PublicKey::from_bytes);
            if let Some(proof) = proof {
                round_trip(
                    &(key, proof),
                    |(key, proof), out| key.to_bytes_with_proof(proof, out),
                    |bytes| match crate::public_key_with_proof::<S>(bytes)? {
                        (key, Some(proof)) => Ok((key, proof)),
                        (_, None) => Err(crate::Error::MissingKeyProof),
                    },
                );
            }
        }
    }
    each_size!(one, data);
}

/// Private key messages; the primality tests draw from `rng`.
pub fn private_key<R: CryptoRng>(data: &[u8], rng: &mut R) {
    fn one<S: KeySize, R: CryptoRng>(data: &[u8], rng: &mut R) {
        if let Ok(key) = PrivateKey::<S>::from_bytes(data, rng) {
            round_trip(&key, PrivateKey::to_bytes, |bytes| {
                PrivateKey::from_bytes(bytes, rng)
            });
        }
    }
    one::<Paillier2048, R>(data, rng);
    one::<Paillier3072, R>(data, rng);
    one::<Paillier4096, R>(data, rng);
    #[cfg(feature = "insecure-test-keys")]
    one::<crate::InsecureTest1024, R>(data, rng);
}

/// Model card messages.
pub fn model_card(data: &[u8]) {
    if let Ok(card) = ModelCard::from_bytes(data) {
        round_trip(&card, ModelCard::to_bytes, ModelCard::from_bytes);
    }
}

/// Model messages.
pub fn model(data: &[u8]) {
    if let Ok(model) = Model::from_bytes(data) {
        assert!(
            model.weights.len() == model.features.len(),
            "weights and names disagree"
        );
        round_trip(&model, Model::to_bytes, Model::from_bytes);
    }
}

/// Query messages: every accepted ciphertext must be in Z*_{n²} of the query's key.
pub fn query(data: &[u8]) {
    fn one<S: KeySize>(data: &[u8]) {
        if let Ok(query) = Query::<S>::from_bytes(data) {
            assert!(
                !query.features.is_empty(),
                "accepted a query without features"
            );
            for feature in &query.features {
                let again = query.key.ciphertext(*feature.ciphertext.value());
                assert!(again.is_ok(), "accepted a ciphertext outside Z*_(n^2)");
            }
            round_trip(&query, Query::to_bytes, Query::from_bytes);
        }
    }
    each_size!(one, data);
}

/// Answer messages, decoded for `key` (an answer for another key must be refused).
pub fn answer<S: KeySize>(data: &[u8], key: &PublicKey<S>) {
    if let Ok(answer) = Answer::from_bytes(data, key) {
        assert!(
            answer.fingerprint == key.fingerprint(),
            "accepted an answer for another key"
        );
        round_trip(&answer, Answer::to_bytes, |bytes| {
            Answer::from_bytes(bytes, key)
        });
    }
}

/// Sealed (passphrase-protected) messages: within bounds, and re-encoded from their header and
/// ciphertext to themselves, the associated data a prefix of the message.
pub fn sealed(data: &[u8]) {
    if let Ok(sealed) = crate::Sealed::from_bytes(data) {
        assert!(
            sealed.header.kdf.check().is_ok(),
            "accepted costs out of bounds"
        );
        assert!(
            data.starts_with(sealed.associated_data),
            "the associated data is not the message's start"
        );
        let mut buffer = [0u8; MAX_MESSAGE_LEN];
        let len = sealed.header.associated_data(&mut buffer);
        assert!(
            len.ok().and_then(|len| buffer.get(..len)) == Some(sealed.associated_data),
            "the associated data is not what the header writes"
        );
        let len = sealed.header.to_bytes(sealed.ciphertext, &mut buffer);
        assert!(
            len.ok().and_then(|len| buffer.get(..len)) == Some(data),
            "a sealed message does not re-encode to itself"
        );
    }
}

/// Recomputes the checksum of a message in place, so that a structure-aware fuzzer (or a test)
/// reaches the checks behind it.
pub fn fix_checksum(message: &mut [u8]) {
    let Some(signed_len) = message.len().checked_sub(4) else {
        return;
    };
    let (signed, crc) = message.split_at_mut(signed_len);
    crc.copy_from_slice(&crate::wire::checksum(signed).to_le_bytes());
}

/// The kind of any message, for a target that dispatches on it.
pub fn kind(data: &[u8]) -> Option<Kind> {
    Kind::of(data).ok()
}
