//! What a Hecate file is, never a secret: the kind, sizes, fingerprints, names.

use anyhow::Result;
use hecate::{
    Answer, KeySize, Kind, Model, ModelCard, Name, PrivateKey, PublicKey, Query, answer_addressee,
    key_bits,
};

use crate::with_key_size;

/// Lines of `(field, value)` that describe the file.
pub fn inspect(bytes: &[u8]) -> Result<Vec<(&'static str, String)>> {
    let kind = Kind::of(bytes)?;
    let mut lines = vec![
        ("kind", kind.to_string()),
        ("size", format!("{} bytes", bytes.len())),
    ];
    match kind {
        Kind::PublicKey | Kind::PrivateKey | Kind::Query => {
            with_key_size!(key_bits(bytes)?, |S| keyed::<S>(kind, bytes, &mut lines))?;
        }
        Kind::Answer => {
            let (fingerprint, model) = answer_addressee(bytes)?;
            lines.push(("key size", format!("{} bits", key_bits(bytes)?)));
            lines.push(("for key", fingerprint.to_string()));
            lines.push(("model id", model.to_string()));
        }
        Kind::ModelCard => {
            let card = ModelCard::from_bytes(bytes)?;
            lines.push(("model id", card.id().to_string()));
            lines.push(("target", card.target().to_owned()));
            lines.push(("features", names(card.features())));
            lines.push(("weight exponent", card.weight_exponent().to_string()));
            let sizes: Vec<String> = card.key_sizes().iter().map(u32::to_string).collect();
            lines.push(("key sizes", format!("{} bits", sizes.join(", "))));
        }
        Kind::Model => {
            let model = Model::from_bytes(bytes)?;
            lines.push(("model id", model.id().to_string()));
            lines.push(("target", model.target().to_owned()));
            lines.push(("features", names(model.features())));
            lines.push(("secret", "the weights (not shown)".into()));
        }
    }
    Ok(lines)
}

fn keyed<S: KeySize>(
    kind: Kind,
    bytes: &[u8],
    lines: &mut Vec<(&'static str, String)>,
) -> Result<()> {
    lines.push(("key size", format!("{} bits", S::BITS)));
    match kind {
        Kind::PublicKey => {
            lines.push((
                "fingerprint",
                PublicKey::<S>::from_bytes(bytes)?.fingerprint().to_string(),
            ));
        }
        Kind::PrivateKey => {
            let key = PrivateKey::<S>::from_bytes(bytes)?;
            lines.push(("fingerprint", key.public_key().fingerprint().to_string()));
            lines.push(("secret", "p and q (not shown)".into()));
        }
        _ => {
            let query = Query::<S>::from_bytes(bytes)?;
            lines.push(("fingerprint", query.key.fingerprint().to_string()));
            lines.push((
                "model id",
                query
                    .model
                    .map_or_else(|| "(none)".into(), |id| id.to_string()),
            ));
            lines.push(("features", query.features.len().to_string()));
            if !query.names.is_empty() {
                lines.push(("names", names(&query.names)));
            }
        }
    }
    Ok(())
}

fn names(names: &[Name]) -> String {
    names
        .iter()
        .map(Name::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each ciphertext of a query message, shortened for display: the first and last 8 hex digits.
pub fn ciphertexts(query: &[u8]) -> Result<Vec<String>> {
    with_key_size!(key_bits(query)?, |S| {
        let query = Query::<S>::from_bytes(query)?;
        Ok(query
            .features
            .iter()
            .map(|feature| shorten(feature.ciphertext.value()))
            .collect())
    })
}

/// The ciphertext of the answer message `answer` to the query message `query`, shortened for
/// display.
pub fn answer_ciphertext(query: &[u8], answer: &[u8]) -> Result<String> {
    with_key_size!(key_bits(query)?, |S| {
        let query = Query::<S>::from_bytes(query)?;
        let answer = Answer::from_bytes(answer, &query.key)?;
        Ok(shorten(answer.value.ciphertext.value()))
    })
}

/// `0x1a2b3c4d...5e6f7a8b` for a big integer (ASCII: every font has it).
fn shorten<T: hecate::Integer>(value: &T) -> String {
    let mut bytes = vec![0u8; T::BYTES];
    value.write_be(&mut bytes);
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    let head = hex.get(..8).unwrap_or_default();
    let tail = hex.get(hex.len().saturating_sub(8)..).unwrap_or_default();
    format!("0x{head}...{tail}")
}
