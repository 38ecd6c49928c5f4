//! The customer's query: feature values encoded and encrypted under their key.

use anyhow::{Context, Result, bail};
use hecate::{
    DEFAULT_FEATURE_EXPONENT, EncryptedFeatures, KeyProof, KeySize, Kind, ModelCard, Name, Names,
    PrivateKey, PublicKey, Query, key_bits, parse_name, public_key_with_proof,
};
use zeroize::Zeroizing;

use super::{encode, os_rng};
use crate::interop::phe;
use crate::with_key_size;

/// Parses a `--values` list: comma-separated finite numbers (`36,5,5,1`, `-2.5,3`, `1e-3`).
pub fn parse_values(text: &str) -> Result<Vec<f64>> {
    text.split(',')
        .enumerate()
        .map(|(index, item)| {
            let item = item.trim();
            match item.parse::<f64>() {
                Ok(value) if value.is_finite() => Ok(value),
                _ => bail!("value {} ({item:?}) is not a finite number", index + 1),
            }
        })
        .collect()
}

/// The public key in a key file, whether the file holds the private key or the public one.
pub fn public_key<S: KeySize>(key_file: &[u8]) -> Result<PublicKey<S>> {
    Ok(proven_key::<S>(key_file)?.0)
}

/// The public key in a key file with its proof of being well formed: made from the private key
/// (deterministic), or read from a public key file written with one.
pub fn proven_key<S: KeySize>(key_file: &[u8]) -> Result<(PublicKey<S>, Option<KeyProof<S>>)> {
    Ok(match Kind::of(key_file)? {
        Kind::PrivateKey => {
            let key = PrivateKey::<S>::from_bytes(key_file, &mut os_rng())?;
            (key.public_key().clone(), Some(key.prove_key()?))
        }
        _ => public_key_with_proof::<S>(key_file)?,
    })
}

/// Encrypts `values` under the key in `key_file` into a query message. With a `card`, the values
/// must match its features (count, and names when `names` are given) and the key its sizes; the
/// query then names the card's model and features.
pub fn encrypt(
    key_file: &[u8],
    values: &[f64],
    card: Option<&ModelCard>,
    names: Option<&[String]>,
) -> Result<Zeroizing<Vec<u8>>> {
    with_key_size!(key_bits(key_file)?, |S| encrypt_sized::<S>(
        key_file, values, card, names
    ))
}

fn encrypt_sized<S: KeySize>(
    key_file: &[u8],
    values: &[f64],
    card: Option<&ModelCard>,
    names: Option<&[String]>,
) -> Result<Zeroizing<Vec<u8>>> {
    let (key, proof) = proven_key::<S>(key_file)?;
    if proof.is_none() {
        bail!(
            "this public key file has no proof that the key is well formed (an earlier Hecate \
             wrote it), and companies refuse queries without one: encrypt with the private key \
             file instead"
        );
    }
    let names: Names = match (card, names) {
        (Some(card), given) => {
            check_card(card, S::BITS, values.len(), given)?;
            card.features().iter().cloned().collect()
        }
        (None, Some(given)) => {
            if given.len() != values.len() {
                bail!("{} names for {} values", given.len(), values.len());
            }
            given
                .iter()
                .map(|name| parse_name(name).with_context(|| format!("feature name {name:?}")))
                .collect::<Result<_>>()?
        }
        (None, None) => Names::new(),
    };
    let features = encrypt_values(&key, card, values)?;
    let query = Query {
        key,
        proof,
        model: card.map(ModelCard::id),
        names,
        features,
    };
    encode(|out| query.to_bytes(out))
}

/// Encrypts `values` under the key in a python-paillier `custkeys.json` into a `data.json`, with
/// the same checks against a card as [`encrypt`].
pub fn encrypt_phe(
    keys: &str,
    values: &[f64],
    card: Option<&ModelCard>,
    names: Option<&[String]>,
) -> Result<String> {
    with_key_size!(phe::key_bits(keys)?, |S| {
        let key = phe::read_public_key::<S>(keys)?;
        match (card, names) {
            (Some(card), _) => check_card(card, S::BITS, values.len(), names)?,
            (None, Some(names)) if names.len() != values.len() => {
                bail!("{} names for {} values", names.len(), values.len());
            }
            (None, _) => {}
        }
        // python-paillier companies align exponents themselves: Hecate's encoding suits them.
        phe::write_query(&key, &encrypt_values(&key, card, values)?)
    })
}

/// The values encrypted at the card's exponents, range-checked, or all at one fixed exponent
/// without a card: either way the exponents say nothing about the values.
fn encrypt_values<S: KeySize>(
    key: &PublicKey<S>,
    card: Option<&ModelCard>,
    values: &[f64],
) -> Result<EncryptedFeatures<S>> {
    Ok(match card {
        Some(card) => key
            .encrypt_for_card(card, values, &mut os_rng())
            .map_err(|error| out_of_range(error, card, values))?,
        None => key.encrypt_features(values, DEFAULT_FEATURE_EXPONENT, &mut os_rng())?,
    })
}

/// A range refusal with the feature's name and declared range; other errors as they are.
fn out_of_range(error: hecate::Error, card: &ModelCard, values: &[f64]) -> anyhow::Error {
    let hecate::Error::ValueOutOfRange { feature } = error else {
        return error.into();
    };
    let index = usize::try_from(feature).unwrap_or(usize::MAX);
    match (card.features().get(index), card.specs().get(index)) {
        (Some(name), Some(spec)) => {
            let (low, high) = spec.range();
            let value = values.get(index).copied().unwrap_or(f64::NAN);
            anyhow::anyhow!(
                "{name} = {value} is outside the range the model declares for it, {low}..{high}: \
                 the answer would be wrong, so it is not sent"
            )
        }
        _ => error.into(),
    }
}

fn check_card(card: &ModelCard, bits: u32, count: usize, names: Option<&[String]>) -> Result<()> {
    let expected: Vec<&str> = card.features().iter().map(Name::as_str).collect();
    if !card.key_sizes().contains(&bits) {
        bail!(
            "the model accepts keys of {:?} bits, this key has {bits}",
            card.key_sizes()
        );
    }
    if count != expected.len() {
        bail!(
            "{count} values given, the model expects {}: {}",
            expected.len(),
            expected.join(",")
        );
    }
    if let Some(names) = names
        && names
            .iter()
            .map(String::as_str)
            .ne(expected.iter().copied())
    {
        bail!(
            "the names {} are not the model's features {}",
            names.join(","),
            expected.join(",")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_values;

    #[test]
    fn values_lists() {
        assert_eq!(
            parse_values("36,5,5,1").expect("valid"),
            [36.0, 5.0, 5.0, 1.0]
        );
        assert_eq!(
            parse_values(" -2.5 , 3,1e-3").expect("valid"),
            [-2.5, 3.0, 1e-3]
        );
        for bad in ["", "1,,2", "nan", "1,inf", "x", "1;2", "1e999"] {
            let error = parse_values(bad).expect_err(bad).to_string();
            assert!(error.contains("is not a finite number"), "{bad:?}: {error}");
        }
    }
}
