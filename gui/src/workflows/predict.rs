//! The company's side: a query in, an answer out.

use anyhow::Result;
use hecate::{Answer, KeySize, Model, Query, key_bits};
use zeroize::Zeroizing;

use super::{encode, os_rng};
use crate::interop::phe;
use crate::with_key_size;

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
