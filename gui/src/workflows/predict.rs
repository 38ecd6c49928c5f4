//! The company's side: a query in, an answer out.

use anyhow::Result;
use hecate::{Answer, Fingerprint, KeySize, Model, ModelId, Query, key_bits};
use zeroize::Zeroizing;

use super::{encode, os_rng};
use crate::interop::phe;
use crate::with_key_size;

/// What the company can tell about a query without decrypting anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryInfo {
    /// The customer's key.
    pub fingerprint: Fingerprint,
    /// Its size.
    pub bits: u32,
    /// How many encrypted features it holds.
    pub features: usize,
    /// The model it names, if any.
    pub model: Option<ModelId>,
}

/// Decodes and validates the query in `query_file` (every ciphertext in Z*_{n²}) and, given a
/// `model`, checks that it fits it; answers nothing.
pub fn check(model: Option<&Model>, query_file: &[u8]) -> Result<QueryInfo> {
    with_key_size!(key_bits(query_file)?, |S| {
        let query = Query::<S>::from_bytes(query_file)?;
        if let Some(model) = model {
            model.check_query(&query)?;
        }
        Ok(QueryInfo {
            fingerprint: query.key.fingerprint(),
            bits: S::BITS,
            features: query.features.len(),
            model: query.model,
        })
    })
}

/// Checks that the query in `query_file` fits `model` and answers it (re-randomized).
pub fn predict(model: &Model, query_file: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    with_key_size!(key_bits(query_file)?, |S| predict_sized::<S>(
        model, query_file
    ))
}

fn predict_sized<S: KeySize>(model: &Model, query_file: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let query = Query::<S>::from_bytes(query_file)?;
    model.check_query(&query)?;
    let value = model.predict(&query.key, &query.features, &mut os_rng())?;
    let answer = Answer {
        fingerprint: query.key.fingerprint(),
        model: model.id(),
        value,
    };
    encode(|out| answer.to_bytes(out))
}

/// Answers a python-paillier `data.json` with `model` (its feature count must match: the file has
/// no names), as an `answer.json`.
pub fn predict_phe(model: &Model, data: &str) -> Result<String> {
    with_key_size!(phe::key_bits(data)?, |S| {
        let (key, features) = phe::read_query::<S>(data)?;
        let value = model.predict(&key, &features, &mut os_rng())?;
        phe::write_answer(&key, &value)
    })
}
