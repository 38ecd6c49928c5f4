//! The company's side: a query in, an answer out.

use std::collections::HashSet;
use std::sync::Mutex;

use anyhow::{Result, bail};
use hecate::{
    Answer, Fingerprint, KeySize, Kind, MAX_MESSAGE_LEN, Model, ModelCard, ModelId, Query, key_bits,
};
use zeroize::Zeroizing;

use super::{encode, expect_kind, os_rng};
use crate::interop::phe;
use crate::with_key_size;

/// Keys whose proof of being well formed has verified, by fingerprint, so that a company verifies
/// each customer's key once (a few exponentiations) rather than with every query. Bounded: when
/// full it starts over, which costs only verifications again.
#[derive(Debug, Default)]
pub struct VerifiedKeys {
    fingerprints: Mutex<HashSet<Fingerprint>>,
}

/// At most this many keys are remembered.
const VERIFIED_KEYS_LIMIT: usize = 4096;

impl VerifiedKeys {
    /// Verifies the proof of the query's key unless that key has verified before.
    fn check<S: KeySize>(&self, query: &Query<S>) -> Result<()> {
        let fingerprint = query.key.fingerprint();
        if self.lock().contains(&fingerprint) {
            return Ok(());
        }
        query.verify_key()?;
        let mut fingerprints = self.lock();
        if fingerprints.len() >= VERIFIED_KEYS_LIMIT {
            fingerprints.clear();
        }
        fingerprints.insert(fingerprint);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<Fingerprint>> {
        // A set of fingerprints stays valid whatever a panicking holder did.
        self.fingerprints
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What the company can tell about a query without decrypting anything: everything it sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryInfo {
    /// The customer's key.
    pub fingerprint: Fingerprint,
    /// Its size.
    pub bits: u32,
    /// How many encrypted features it holds.
    pub features: usize,
    /// Each feature's exponent.
    pub exponents: Vec<i32>,
    /// The model it names, if any.
    pub model: Option<ModelId>,
    /// Whether the key comes with a proof of being well formed.
    pub proof: bool,
}

/// Decodes and validates the query in `query_file` (every ciphertext in Z*_{n²}) and, given a
/// `model`, checks that it fits it and that its key proof verifies; answers nothing.
pub fn check(model: Option<&Model>, query_file: &[u8], keys: &VerifiedKeys) -> Result<QueryInfo> {
    expect_kind(query_file, &[Kind::Query])?;
    with_key_size!(key_bits(query_file)?, |S| {
        let query = Query::<S>::from_bytes(query_file)?;
        if let Some(model) = model {
            model.check_query(&query)?;
            keys.check(&query)?;
        }
        Ok(info(&query))
    })
}

/// Everything public in a query.
pub fn info<S: KeySize>(query: &Query<S>) -> QueryInfo {
    QueryInfo {
        fingerprint: query.key.fingerprint(),
        bits: S::BITS,
        features: query.features.len(),
        exponents: query.features.iter().map(|f| f.exponent).collect(),
        model: query.model,
        proof: query.proof.is_some(),
    }
}

/// Checks that the query in `query_file` fits `model` and that its key is proven well formed,
/// and answers it (masked and re-randomized).
pub fn predict(
    model: &Model,
    query_file: &[u8],
    keys: &VerifiedKeys,
) -> Result<Zeroizing<Vec<u8>>> {
    expect_kind(query_file, &[Kind::Query])?;
    with_key_size!(key_bits(query_file)?, |S| predict_sized::<S>(
        model, query_file, keys
    ))
}

fn predict_sized<S: KeySize>(
    model: &Model,
    query_file: &[u8],
    keys: &VerifiedKeys,
) -> Result<Zeroizing<Vec<u8>>> {
    let query = Query::<S>::from_bytes(query_file)?;
    model.check_query(&query)?;
    keys.check(&query)?;
    let answer: Answer<S> = model.answer_with_verified_key(&query, &mut os_rng())?;
    encode(|out| answer.to_bytes(out))
}

/// Refuses a query whose key is of a size `card` does not accept (the card's promise: the answer
/// mask is sized for those keys).
pub fn check_key_size(card: &ModelCard, query_file: &[u8]) -> Result<()> {
    let bits = key_bits(query_file)?;
    if !card.key_sizes().contains(&bits) {
        return Err(
            anyhow::Error::new(hecate::Error::InvalidKeySize).context(format!(
                "a {bits}-bit key: this model accepts {}-bit keys",
                super::encrypt::key_sizes(card.key_sizes())
            )),
        );
    }
    Ok(())
}

/// The longest query message for `card`: its largest key, a key proof, the model id and every
/// feature's name and ciphertext. A service takes no body longer than this. Counted from the
/// wire format (postcard: a length before each byte string, at most 5 bytes per integer), an
/// upper bound checked against real queries in the tests.
pub fn largest_query_len(card: &ModelCard) -> usize {
    const VARINT: usize = 5;
    let n_bytes = largest_key_bits(card).div_ceil(8);
    let key = VARINT + VARINT + n_bytes;
    let fingerprint = 32;
    let proof = 1 + VARINT + hecate::KEY_PROOF_ROUNDS * (VARINT + n_bytes);
    let model = 1 + 16;
    let names: usize = card.features().iter().map(|name| VARINT + name.len()).sum();
    let features = card.features().len() * (VARINT + 2 * n_bytes + VARINT);
    let header_and_checksum = 5 + 4;
    let len = header_and_checksum
        + key
        + fingerprint
        + proof
        + model
        + VARINT
        + names
        + VARINT
        + features;
    len.min(MAX_MESSAGE_LEN)
}

/// The longest python-paillier `data.json` for `card`'s features and largest key: its numbers in
/// decimal, with room for the JSON around them.
pub fn largest_phe_query_len(card: &ModelCard) -> usize {
    let bits = largest_key_bits(card);
    let n_digits = hecate::decimal_digits(bits);
    let ciphertext_digits = hecate::decimal_digits(2 * bits);
    1024 + n_digits + card.features().len() * (ciphertext_digits + 64)
}

fn largest_key_bits(card: &ModelCard) -> usize {
    card.key_sizes()
        .iter()
        .max()
        .map_or(0, |&bits| usize::try_from(bits).unwrap_or(usize::MAX))
}

/// Why python-paillier queries are refused unless the company says otherwise.
pub const UNPROTECTED_REFUSAL: &str = "python-paillier queries come without a proof that the \
    customer's key is well formed and without an answer mask, so a cheating customer can read \
    the whole model from one answer: answer them only if you accept that, with \
    --allow-unprotected";

/// Answers a python-paillier `data.json` with `model` (its feature count must match: the file has
/// no names), as an `answer.json`: unprotected, so only when `allow_unprotected` says so.
pub fn predict_phe(model: &Model, data: &str, allow_unprotected: bool) -> Result<String> {
    if !allow_unprotected {
        bail!("{UNPROTECTED_REFUSAL}");
    }
    with_key_size!(phe::key_bits(data)?, |S| {
        let (key, features) = phe::read_query::<S>(data)?;
        let value = model
            .predict_unprotected(&key, &features, &mut os_rng())
            .map_err(|error| too_far_apart(error, &features))?;
        phe::write_answer(&key, &value)
    })
}

/// An overflow of a python-paillier query named by its exponents (public), the usual cause: its
/// writer encodes each value at an exponent of its own, very fine for a tiny one.
fn too_far_apart<S: KeySize>(
    error: hecate::Error,
    features: &[hecate::EncryptedNumber<S>],
) -> anyhow::Error {
    let exponents = features.iter().map(|feature| feature.exponent);
    match (error, exponents.clone().min(), exponents.clone().max()) {
        (hecate::Error::Overflow, Some(lowest), Some(highest)) => {
            let finest = exponents.clone().position(|e| e == lowest).unwrap_or(0) + 1;
            anyhow::anyhow!(
                "the answer would overflow the key: the features' exponents run from \
                 16^{lowest} (feature {finest}) to 16^{highest}, too far apart for this model (a \
                 tiny value such as 1e-70 gets a very fine exponent: send 0 instead)"
            )
        }
        _ => error.into(),
    }
}
