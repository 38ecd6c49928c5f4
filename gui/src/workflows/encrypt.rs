//! The customer's query: feature values encoded and encrypted under their key.

use std::borrow::Cow;

use anyhow::{Context, Result, anyhow, bail};
use hecate::{
    DEFAULT_FEATURE_EXPONENT, EncryptedFeatures, KeyProof, KeySize, Kind, ModelCard, Name, Names,
    PrivateKey, PublicKey, Query, key_bits, parse_name, public_key_with_proof,
};
use zeroize::Zeroizing;

use super::decrypt::HeldKey;
use super::{encode, expect_kind, os_rng};
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
    let key = CustomerKey::<S>::read(key_file)?;
    Ok((key.public().clone(), key.proof()))
}

/// The key a customer encrypts with, as their key file holds it (or the app keeps it): the key
/// holder encrypts through the CRT, in about a quarter of the time.
enum CustomerKey<'a, S: KeySize> {
    Private(Cow<'a, HeldKey<S>>),
    Public(PublicKey<S>, Option<KeyProof<S>>),
}

impl<S: KeySize> CustomerKey<'_, S> {
    fn read(key_file: &[u8]) -> Result<Self> {
        Ok(match Kind::of(key_file)? {
            Kind::PrivateKey => Self::Private(Cow::Owned(HeldKey::new(
                PrivateKey::<S>::from_bytes(key_file, &mut os_rng())?,
            )?)),
            _ => {
                let (key, proof) = public_key_with_proof::<S>(key_file)?;
                Self::Public(key, proof)
            }
        })
    }

    fn public(&self) -> &PublicKey<S> {
        match self {
            Self::Private(held) => held.key().public_key(),
            Self::Public(key, _) => key,
        }
    }

    fn proof(&self) -> Option<KeyProof<S>> {
        match self {
            Self::Private(held) => Some(held.proof().clone()),
            Self::Public(_, proof) => proof.clone(),
        }
    }

    fn encrypt_for_card(
        &self,
        card: &ModelCard,
        values: &[f64],
    ) -> hecate::Result<EncryptedFeatures<S>> {
        match self {
            Self::Private(held) => held.key().encrypt_for_card(card, values, &mut os_rng()),
            Self::Public(key, _) => key.encrypt_for_card(card, values, &mut os_rng()),
        }
    }

    fn encrypt_features(
        &self,
        values: &[f64],
        exponent: i32,
    ) -> hecate::Result<EncryptedFeatures<S>> {
        match self {
            Self::Private(held) => held.key().encrypt_features(values, exponent, &mut os_rng()),
            Self::Public(key, _) => key.encrypt_features(values, exponent, &mut os_rng()),
        }
    }
}

impl<S: KeySize> From<PublicKey<S>> for CustomerKey<'_, S> {
    fn from(key: PublicKey<S>) -> Self {
        Self::Public(key, None)
    }
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
    expect_kind(key_file, &[Kind::PrivateKey, Kind::PublicKey])?;
    with_key_size!(key_bits(key_file)?, |S| query(
        &CustomerKey::<S>::read(key_file)?,
        values,
        card,
        names
    ))
}

/// [`encrypt`] for `card` with a private key already decoded and proven (the app's), through the
/// CRT.
pub fn encrypt_with_private_key<S: KeySize>(
    key: &HeldKey<S>,
    values: &[f64],
    card: &ModelCard,
) -> Result<Zeroizing<Vec<u8>>> {
    query(
        &CustomerKey::Private(Cow::Borrowed(key)),
        values,
        Some(card),
        None,
    )
}

fn query<S: KeySize>(
    key: &CustomerKey<'_, S>,
    values: &[f64],
    card: Option<&ModelCard>,
    names: Option<&[String]>,
) -> Result<Zeroizing<Vec<u8>>> {
    let proof = key.proof();
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
            check_name_count(given, values)?;
            given
                .iter()
                .map(|name| {
                    parse_name(name)
                        .with_context(|| format!("feature name {name:?}"))
                        .map_err(|error| about(Input::Names, error))
                })
                .collect::<Result<_>>()?
        }
        (None, None) => Names::new(),
    };
    let features = encrypt_values(key, card, values, &names)?;
    let query = Query {
        key: key.public().clone(),
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
        let key = CustomerKey::from(phe::read_public_key::<S>(keys)?);
        match (card, names) {
            (Some(card), _) => check_card(card, S::BITS, values.len(), names)?,
            (None, Some(names)) => check_name_count(names, values)?,
            (None, None) => {}
        }
        // python-paillier companies align exponents themselves: Hecate's encoding suits them.
        let names = names.unwrap_or_default();
        phe::write_query(key.public(), &encrypt_values(&key, card, values, names)?)
    })
}

/// The values encrypted at the card's exponents, range-checked, or all at one fixed exponent
/// without a card: either way the exponents say nothing about the values.
fn encrypt_values<S: KeySize>(
    key: &CustomerKey<'_, S>,
    card: Option<&ModelCard>,
    values: &[f64],
    names: &[impl AsRef<str>],
) -> Result<EncryptedFeatures<S>> {
    Ok(match card {
        Some(card) => key
            .encrypt_for_card(card, values)
            .map_err(|error| about(Input::Values, out_of_range(error, card, values)))?,
        None => key
            .encrypt_features(values, DEFAULT_FEATURE_EXPONENT)
            .map_err(|error| about(Input::Values, too_large(error, values, names)))?,
    })
}

/// A refusal of a value too large for [`DEFAULT_FEATURE_EXPONENT`] with the value and its name,
/// rather than "overflows the plaintext space"; other errors as they are. The values are the
/// customer's own, being refused before anything is encrypted: naming one leaks nothing.
fn too_large(error: hecate::Error, values: &[f64], names: &[impl AsRef<str>]) -> anyhow::Error {
    if !matches!(
        error,
        hecate::Error::FeatureTooLarge | hecate::Error::Overflow
    ) {
        return error.into();
    }
    // Mantissas below 2^64 at 16^e: magnitudes below 2^(64 + 4e).
    let limit = 2f64.powi(64 + 4 * DEFAULT_FEATURE_EXPONENT);
    let Some(index) = values.iter().position(|value| value.abs() >= limit) else {
        return error.into();
    };
    let value = values.get(index).copied().unwrap_or(f64::NAN);
    let name = names.get(index).map_or_else(
        || format!("value {}", index + 1),
        |name| name.as_ref().to_owned(),
    );
    anyhow!(
        "{name} = {} is too large: without a model card values are encoded at \
         16^{DEFAULT_FEATURE_EXPONENT}, which holds magnitudes below {}",
        shown(value),
        shown(limit)
    )
}

/// A value as a message shows it: `36`, `-2.5`, but `1e-70` rather than 70 zeros.
fn shown(value: f64) -> String {
    if value != 0.0 && !(1e-4..1e16).contains(&value.abs()) {
        format!("{value:e}")
    } else {
        value.to_string()
    }
}

fn check_name_count(names: &[String], values: &[f64]) -> Result<()> {
    if names.len() == values.len() {
        Ok(())
    } else {
        let error = anyhow!("{} names for {} values", names.len(), values.len());
        Err(about(Input::Names, error))
    }
}

/// The input of an encryption that an error is about, so that a front end can name it (its file
/// or option); errors without one are about the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// The feature values.
    Values,
    /// The feature names given with them.
    Names,
}

/// An error about one [`Input`]; shown as the error alone.
#[derive(Debug)]
pub struct InputError {
    /// The input it is about.
    pub input: Input,
    error: anyhow::Error,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for InputError {}

fn about(input: Input, error: impl Into<anyhow::Error>) -> anyhow::Error {
    InputError {
        input,
        error: error.into(),
    }
    .into()
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
                "{name} = {} is outside the range the model declares for it, {low}..{high}: \
                 the answer would be wrong, so it is not sent",
                shown(value)
            )
        }
        _ => error.into(),
    }
}

fn check_card(card: &ModelCard, bits: u32, count: usize, names: Option<&[String]>) -> Result<()> {
    let expected: Vec<&str> = card.features().iter().map(Name::as_str).collect();
    if !card.key_sizes().contains(&bits) {
        bail!(
            "the model accepts keys of {} bits, this key has {bits}",
            key_sizes(card.key_sizes())
        );
    }
    if count != expected.len() {
        return Err(about(
            Input::Values,
            anyhow!(
                "{count} values given, the model expects {}: {}",
                expected.len(),
                expected.join(",")
            ),
        ));
    }
    if let Some(names) = names
        && names
            .iter()
            .map(String::as_str)
            .ne(expected.iter().copied())
    {
        return Err(about(
            Input::Names,
            anyhow!(
                "the names {} are not the model's features {}",
                names.join(","),
                expected.join(",")
            ),
        ));
    }
    Ok(())
}

/// `3072` or `2048, 3072 or 4096`: key sizes in bits, as a sentence lists them.
pub fn key_sizes(bits: &[u32]) -> String {
    let names: Vec<String> = bits.iter().map(u32::to_string).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::{key_sizes, parse_values};

    #[test]
    fn key_sizes_read_as_a_sentence() {
        assert_eq!(key_sizes(&[3072]), "3072");
        assert_eq!(key_sizes(&[2048, 4096]), "2048 or 4096");
        assert_eq!(key_sizes(&[2048, 3072, 4096]), "2048, 3072 or 4096");
    }

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
