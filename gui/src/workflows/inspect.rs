//! What a Hecate file is, never a secret: the kind, sizes, fingerprints, names.

use anyhow::{Result, bail};
use hecate::{
    Answer, FeatureSpec, KeySize, Kind, Model, ModelCard, Name, PrivateKey, Query, Sealed, Subject,
    answer_addressee, key_bits, public_key_with_proof,
};

use crate::interop::phe;
use crate::sealing::{self, Passphrase};
use crate::with_key_size;
use crate::workflows::os_rng;

/// Lines of `(field, value)` that describe the file. A passphrase-protected file is described
/// from its header; with its passphrase, what it holds is described too.
pub fn inspect(
    bytes: &[u8],
    passphrase: Option<&Passphrase>,
) -> Result<Vec<(&'static str, String)>> {
    let kind = match Kind::of(bytes) {
        Err(hecate::Error::NotHecate) if phe::looks_like(bytes) => bail!(
            "looks like a python-paillier JSON file, not a Hecate one: inspect reads Hecate files \
             (encrypt, predict and decrypt read this one with --format phe-json)"
        ),
        kind => kind?,
    };
    let mut lines = vec![
        ("kind", kind.to_string()),
        ("size", format!("{} bytes", bytes.len())),
    ];
    if kind == Kind::Sealed {
        sealed(bytes, &mut lines)?;
        if let Some(passphrase) = passphrase {
            let inner = sealing::open(bytes, passphrase)?;
            let inner_kind = Kind::of(&inner)?;
            describe(inner_kind, &inner, &mut lines)?;
        }
        return Ok(lines);
    }
    if matches!(kind, Kind::PrivateKey | Kind::Model) {
        lines.push((
            "protected",
            "no: anyone who copies this file has its secret".into(),
        ));
    }
    describe(kind, bytes, &mut lines)?;
    Ok(lines)
}

/// What a sealed file says of itself, without the passphrase.
fn sealed(bytes: &[u8], lines: &mut Vec<(&'static str, String)>) -> Result<()> {
    let header = Sealed::from_bytes(bytes)?.header;
    lines.push(("holds", format!("a {}", header.subject.kind())));
    lines.push((
        "protected",
        "by a passphrase (Argon2id, XChaCha20-Poly1305)".into(),
    ));
    lines.push((
        "key derivation",
        format!(
            "Argon2id, {} MiB, {} passes, {} lanes",
            f64::from(header.kdf.memory_kib) / 1024.0,
            header.kdf.passes,
            header.kdf.lanes
        ),
    ));
    match header.subject {
        Subject::PrivateKey(fingerprint) => lines.push(("fingerprint", fingerprint.to_string())),
        Subject::Model(id) => lines.push(("model id", id.to_string())),
    }
    Ok(())
}

/// The lines of every kind but a sealed one.
fn describe(kind: Kind, bytes: &[u8], lines: &mut Vec<(&'static str, String)>) -> Result<()> {
    match kind {
        Kind::Sealed => anyhow::bail!("a sealed file inside a sealed file"),
        Kind::PublicKey | Kind::PrivateKey | Kind::Query => {
            with_key_size!(key_bits(bytes)?, |S| keyed::<S>(kind, bytes, lines))?;
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
            specs(card.features(), card.specs(), lines);
            lines.push(("weight exponent", card.weight_exponent().to_string()));
            lines.push(("weight bits", card.weight_bits().to_string()));
            lines.push(("intercept bits", card.intercept_bits().to_string()));
            lines.push(("answer exponent", card.answer_exponent().to_string()));
            lines.push((
                "answer mask",
                format!(
                    "2^{0}: one answer reveals at most {0} bits of the model",
                    card.mask_bits()
                ),
            ));
            let sizes: Vec<String> = card.key_sizes().iter().map(u32::to_string).collect();
            lines.push(("key sizes", format!("{} bits", sizes.join(", "))));
        }
        Kind::Model => {
            let model = Model::from_bytes(bytes)?;
            lines.push(("model id", model.id().to_string()));
            lines.push(("target", model.target().to_owned()));
            lines.push(("features", names(model.features())));
            specs(model.features(), model.specs(), lines);
            lines.push(("secret", "the weights (not shown)".into()));
        }
    }
    Ok(())
}

fn keyed<S: KeySize>(
    kind: Kind,
    bytes: &[u8],
    lines: &mut Vec<(&'static str, String)>,
) -> Result<()> {
    lines.push(("key size", format!("{} bits", S::BITS)));
    match kind {
        Kind::PublicKey => {
            let (key, proof) = public_key_with_proof::<S>(bytes)?;
            lines.push(("fingerprint", key.fingerprint().to_string()));
            let verdict = proof.map(|proof| proof.verify(&key));
            lines.push(("key proof", proof_verdict(verdict)));
        }
        Kind::PrivateKey => {
            let key = PrivateKey::<S>::from_bytes(bytes, &mut os_rng())?;
            lines.push(("fingerprint", key.public_key().fingerprint().to_string()));
            lines.push(("secret", "p and q (not shown)".into()));
        }
        _ => {
            let query = Query::<S>::from_bytes(bytes)?;
            lines.push(("fingerprint", query.key.fingerprint().to_string()));
            let verdict = query.proof.as_ref().map(|_| query.verify_key());
            lines.push(("key proof", proof_verdict(verdict)));
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
            let exponents: Vec<String> = query
                .features
                .iter()
                .map(|feature| feature.exponent.to_string())
                .collect();
            lines.push(("exponents", exponents.join(", ")));
        }
    }
    Ok(())
}

fn proof_verdict(verdict: Option<hecate::Result<()>>) -> String {
    match verdict {
        None => "none: a Hecate company refuses this key".into(),
        Some(Ok(())) => "present, valid (gcd(n, φ(n)) = 1)".into(),
        Some(Err(error)) => format!("present, INVALID: {error}"),
    }
}

/// One line per feature: its exponent and declared range.
fn specs(names: &[Name], specs: &[FeatureSpec], lines: &mut Vec<(&'static str, String)>) {
    for (name, spec) in names.iter().zip(specs) {
        let (low, high) = spec.range();
        lines.push((
            "feature",
            format!("{name}: {low}..{high} at exponent {}", spec.exponent()),
        ));
    }
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

/// A model card as JSON for people and scripts (the service's `GET /v1/card` with
/// `Accept: application/json`): everything the card says, nothing more.
pub fn card_json(card: &ModelCard) -> serde_json::Value {
    let features: Vec<serde_json::Value> = card
        .features()
        .iter()
        .zip(card.specs())
        .map(|(name, spec)| {
            let (low, high) = spec.range();
            serde_json::json!({
                "name": name.as_str(),
                "low": low,
                "high": high,
                "exponent": spec.exponent(),
            })
        })
        .collect();
    serde_json::json!({
        "kind": "model card",
        "model": card.id().to_string(),
        "target": card.target(),
        "features": features,
        "key_sizes": card.key_sizes(),
        "weight_exponent": card.weight_exponent(),
        "weight_bits": card.weight_bits(),
        "intercept_bits": card.intercept_bits(),
        "answer_exponent": card.answer_exponent(),
        "mask_bits": card.mask_bits(),
    })
}
