//! python-paillier's JSON files, as the original Flask demo wrote them:
//!
//! - `custkeys.json`: `{"public_key": {"n": N}, "private_key": {"p": P, "q": Q}}`
//! - `data.json`: `{"public_key": {"n": N}, "values": [["<ciphertext>", exponent], ...]}`, or that
//!   object once more as a JSON string (the demo double-encoded it)
//! - `answer.json`: `{"pubkey": {"n": N}, "values": ["<ciphertext>", exponent]}`
//!
//! N, P and Q are bare JSON integers with hundreds of digits: they are parsed exactly
//! (serde_json's arbitrary precision, then num-bigint), never through f64 or u64.

use anyhow::{Context, Result, anyhow, bail};
use hecate::{EncryptedNumber, Integer, KeySize, PrivateKey, PublicKey};
use num_bigint::BigUint;
use serde_json::{Value, json};

/// Bits of the modulus in a python-paillier JSON file (any of the three), to pick the key size.
pub fn key_bits(text: &str) -> Result<u32> {
    let value = parse(text)?;
    let n = value
        .get("public_key")
        .or_else(|| value.get("pubkey"))
        .and_then(|key| key.get("n"))
        .ok_or_else(|| anyhow!("no public key (\"public_key\" or \"pubkey\" with \"n\")"))?;
    let bits = big(n, "n")?.bits();
    u32::try_from(bits).map_err(|_| anyhow!("n has {bits} bits"))
}

/// Whether `bytes` look like one of python-paillier's JSON files (a public key inside).
pub fn looks_like(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|text| key_bits(text).is_ok())
}

/// A `custkeys.json` for `key`.
pub fn write_keys<S: KeySize>(key: &PrivateKey<S>) -> Result<String> {
    let (p, q) = key.primes();
    let text = json!({
        "public_key": {"n": number(key.public_key().n())?},
        "private_key": {"p": number(p)?, "q": number(q)?},
    });
    Ok(text.to_string())
}

/// The private key in a `custkeys.json`, with every check of `PrivateKey::from_components`.
pub fn read_keys<S: KeySize>(text: &str) -> Result<PrivateKey<S>> {
    let value = parse(text)?;
    let public = public_key_in::<S>(&value, "public_key")?;
    let private = value
        .get("private_key")
        .ok_or_else(|| anyhow!("no \"private_key\""))?;
    let p = integer::<S::P>(field(private, "p")?, "p")?;
    let q = integer::<S::P>(field(private, "q")?, "q")?;
    Ok(PrivateKey::from_components(&public, p, q)?)
}

/// The public key in a `custkeys.json` (only its public part is read).
pub fn read_public_key<S: KeySize>(text: &str) -> Result<PublicKey<S>> {
    public_key_in(&parse(text)?, "public_key")
}

/// A `data.json`: the key and one `[ciphertext, exponent]` per feature.
pub fn write_query<S: KeySize>(
    key: &PublicKey<S>,
    features: &[EncryptedNumber<S>],
) -> Result<String> {
    let values: Vec<Value> = features
        .iter()
        .map(|feature| {
            Ok(json!([
                decimal(feature.ciphertext.value()),
                feature.exponent
            ]))
        })
        .collect::<Result<_>>()?;
    Ok(json!({"public_key": {"n": number(key.n())?}, "values": values}).to_string())
}

/// The key and features of a `data.json`; each ciphertext must be in Z*_{n²}.
pub fn read_query<S: KeySize>(text: &str) -> Result<(PublicKey<S>, Vec<EncryptedNumber<S>>)> {
    let value = parse(text)?;
    let key = public_key_in::<S>(&value, "public_key")?;
    let values = field(&value, "values")?
        .as_array()
        .ok_or_else(|| anyhow!("\"values\" is not a list"))?;
    let features = values
        .iter()
        .enumerate()
        .map(|(index, pair)| encrypted(&key, pair).with_context(|| format!("value {}", index + 1)))
        .collect::<Result<Vec<_>>>()?;
    if features.is_empty() {
        bail!("\"values\" is empty");
    }
    Ok((key, features))
}

/// An `answer.json` for the customer's key.
pub fn write_answer<S: KeySize>(key: &PublicKey<S>, answer: &EncryptedNumber<S>) -> Result<String> {
    let value = json!([decimal(answer.ciphertext.value()), answer.exponent]);
    Ok(json!({"pubkey": {"n": number(key.n())?}, "values": value}).to_string())
}

/// The encrypted prediction in an `answer.json`, which must be for `key`.
pub fn read_answer<S: KeySize>(text: &str, key: &PublicKey<S>) -> Result<EncryptedNumber<S>> {
    let value = parse(text)?;
    let n = field(field(&value, "pubkey")?, "n")?;
    if big(n, "n")? != BigUint::from_bytes_be(&bytes(key.n())) {
        return Err(hecate::Error::KeyMismatch.into());
    }
    encrypted(key, field(&value, "values")?)
}

/// Parses JSON, unwrapping one level of JSON-in-a-string as the demo's writers produced.
fn parse(text: &str) -> Result<Value> {
    let value: Value = serde_json::from_str(text).context("not JSON")?;
    match value {
        Value::String(inner) => {
            serde_json::from_str(&inner).context("a JSON string that does not hold JSON")
        }
        Value::Object(_) => Ok(value),
        _ => bail!("not a JSON object"),
    }
}

fn field<'a>(value: &'a Value, name: &str) -> Result<&'a Value> {
    value.get(name).ok_or_else(|| anyhow!("no {name:?}"))
}

fn public_key_in<S: KeySize>(value: &Value, name: &str) -> Result<PublicKey<S>> {
    let n = field(field(value, name)?, "n")?;
    Ok(PublicKey::from_n(integer::<S::N>(n, "n")?)?)
}

/// `[ciphertext as a decimal string, exponent]`.
fn encrypted<S: KeySize>(key: &PublicKey<S>, pair: &Value) -> Result<EncryptedNumber<S>> {
    let [ciphertext, exponent] = pair.as_array().map(Vec::as_slice).unwrap_or_default() else {
        bail!("not a [ciphertext, exponent] pair");
    };
    let ciphertext = ciphertext
        .as_str()
        .ok_or_else(|| anyhow!("the ciphertext is not a string"))?;
    let value: BigUint = ciphertext
        .parse()
        .map_err(|_| anyhow!("the ciphertext is not a decimal integer"))?;
    let exponent = exponent
        .as_i64()
        .and_then(|e| i32::try_from(e).ok())
        .ok_or_else(|| anyhow!("the exponent is not a small integer"))?;
    let ciphertext =
        key.ciphertext(fixed::<S::NSquared>(&value).ok_or(hecate::Error::InvalidCiphertext)?)?;
    if exponent.unsigned_abs() > hecate::EXPONENT_LIMIT.unsigned_abs() {
        return Err(hecate::Error::ExponentOutOfRange.into());
    }
    Ok(EncryptedNumber {
        ciphertext,
        exponent,
    })
}

/// A bare JSON integer (or a decimal string) as a `BigUint`.
fn big(value: &Value, name: &str) -> Result<BigUint> {
    let digits = match value {
        Value::Number(number) => number.to_string(),
        Value::String(text) => text.clone(),
        _ => bail!("{name} is not an integer"),
    };
    digits
        .parse()
        .map_err(|_| anyhow!("{name} is not a non-negative integer: {digits:.40}"))
}

/// A JSON integer as a fixed-width integer of the key size.
fn integer<T: Integer>(value: &Value, name: &str) -> Result<T> {
    fixed(&big(value, name)?).ok_or_else(|| anyhow!("{name} is too large for the key size"))
}

fn fixed<T: Integer>(value: &BigUint) -> Option<T> {
    let digits = value.to_bytes_be();
    let padding = T::BYTES.checked_sub(digits.len())?;
    let mut bytes = vec![0u8; padding];
    bytes.extend_from_slice(&digits);
    T::read_be(&bytes)
}

fn bytes<T: Integer>(x: &T) -> Vec<u8> {
    let mut out = vec![0u8; T::BYTES];
    x.write_be(&mut out);
    out
}

fn decimal<T: Integer>(x: &T) -> String {
    BigUint::from_bytes_be(&bytes(x)).to_string()
}

/// A bare JSON integer.
fn number<T: Integer>(x: &T) -> Result<Value> {
    serde_json::from_str(&decimal(x)).context("a decimal integer is JSON")
}
