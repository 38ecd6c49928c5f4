//! python-paillier's JSON files, as the original Flask demo wrote them:
//!
//! - `custkeys.json`: `{"public_key": {"n": N}, "private_key": {"p": P, "q": Q}}`
//! - `data.json`: `{"public_key": {"n": N}, "values": [["<ciphertext>", exponent], ...]}`, or that
//!   object once more as a JSON string (the demo double-encoded it)
//! - `answer.json`: `{"pubkey": {"n": N}, "values": ["<ciphertext>", exponent]}`
//!
//! N, P and Q are bare JSON integers with hundreds of digits: they are parsed exactly (serde_json's
//! arbitrary precision), never through f64 or u64. Every number is read in linear time, and only
//! after its digit count, and the file's length, are checked against what the largest key size
//! can need. The primes p and q are read straight from the caller's text (which it wipes) into
//! wiped integers, in constant time in their digits; they are written the same way, in constant
//! time into wiped buffers.

use std::borrow::Cow;
use std::fmt;

use anyhow::{Context, Result, anyhow, bail};
use hecate::{
    EncryptedNumber, Integer, KeySize, MAX_FEATURES, Paillier4096, PrivateKey, PublicKey,
    decimal_digits,
};
use num_bigint::BigUint;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::workflows::os_rng;

/// Most digits of n: 1234 for the largest key size, 4096 bits.
pub const MAX_N_DIGITS: usize = decimal_digits(Paillier4096::BITS as usize);
/// Most digits of a ciphertext, below n² of 8192 bits: 2467.
pub const MAX_CIPHERTEXT_DIGITS: usize = decimal_digits(2 * Paillier4096::BITS as usize);
/// Most digits of p or q, of 2048 bits: 617.
pub const MAX_PRIME_DIGITS: usize = decimal_digits(Paillier4096::PRIME_BITS as usize);

/// The longest file accepted: what the largest valid one needs, a `data.json` of [`MAX_FEATURES`]
/// ciphertexts of a 4096-bit key, double-encoded, with room for indentation:
/// - per value, `[\"<2467 digits>\", -2147483648], `: 2467 digits, 4 for the escaped quotes, 2
///   brackets, 4 of separators, 11 for the exponent, and 32 of whitespace: 2467 + 53 = 2520;
/// - 128 values: 322,560;
/// - the rest, `"{\"public_key\": {\"n\": <1234 digits>}, \"values\": [...]}"`: 1234 digits and
///   1024 for names, quotes, escapes and whitespace;
///
/// in all 324,818 bytes. A custkeys.json (n, p and q: 2468 digits) is far smaller.
pub const MAX_FILE_LEN: usize = MAX_FEATURES * (MAX_CIPHERTEXT_DIGITS + 53) + MAX_N_DIGITS + 1024;

/// Why a python-paillier file is refused before its numbers are converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PheError {
    /// The file is longer than any valid python-paillier file.
    FileTooLarge {
        /// Its length in bytes.
        len: usize,
    },
    /// A number has more digits than the largest key size can need.
    TooManyDigits {
        /// The field: `n`, `p`, `q` or `ciphertext`.
        field: &'static str,
        /// How many digits it has.
        digits: usize,
        /// The most it may have.
        max: usize,
    },
    /// A number is not a non-negative decimal integer that fits the key size.
    NotAnInteger {
        /// The field.
        field: &'static str,
    },
}

impl fmt::Display for PheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FileTooLarge { len } => write!(
                f,
                "the file has {len} bytes, more than the {MAX_FILE_LEN} of the largest \
                 python-paillier file"
            ),
            Self::TooManyDigits { field, digits, max } => write!(
                f,
                "{field} has {digits} digits, more than the {max} a 4096-bit key can need"
            ),
            Self::NotAnInteger { field } => {
                write!(
                    f,
                    "{field} is not a non-negative decimal integer of the key size"
                )
            }
        }
    }
}

impl std::error::Error for PheError {}

/// `{"n": N}`: its raw JSON text, borrowed from the file.
#[derive(Deserialize)]
struct Modulus<'a> {
    #[serde(borrow)]
    n: &'a RawValue,
}

/// The public key of any of the three files, raw; every other field is skipped without a copy.
#[derive(Deserialize)]
struct AnyKey<'a> {
    #[serde(borrow)]
    public_key: Option<&'a RawValue>,
    #[serde(borrow)]
    pubkey: Option<&'a RawValue>,
}

impl<'a> AnyKey<'a> {
    /// The modulus of the public key under `public_key`, or also under `pubkey` if `any_name`.
    fn modulus(&self, any_name: bool) -> Option<Modulus<'a>> {
        let key = if any_name {
            self.public_key.or(self.pubkey)
        } else {
            self.public_key
        };
        serde_json::from_str(key?.get()).ok()
    }
}

/// A `custkeys.json`: p and q stay in the caller's (wiped) text until read into wiped integers.
#[derive(Deserialize)]
struct KeysFile<'a> {
    #[serde(borrow)]
    public_key: Modulus<'a>,
    #[serde(borrow)]
    private_key: Primes<'a>,
}

#[derive(Deserialize)]
struct Primes<'a> {
    #[serde(borrow)]
    p: &'a RawValue,
    #[serde(borrow)]
    q: &'a RawValue,
}

/// Bits of the modulus in a python-paillier JSON file (any of the three), to pick the key size.
pub fn key_bits(text: &str) -> Result<u32> {
    let text = unwrapped(text)?;
    let file: AnyKey<'_> = serde_json::from_str(&text).context("not JSON")?;
    let n = file
        .modulus(true)
        .ok_or_else(|| anyhow!("no public key (\"public_key\" or \"pubkey\" with \"n\")"))?;
    let n: <Paillier4096 as KeySize>::N = public(raw_digits(n.n, "n", MAX_N_DIGITS)?, "n")?;
    // n is public.
    Ok(n.bit_width_vartime())
}

/// Whether `bytes` look like one of python-paillier's JSON files (a public key inside).
pub fn looks_like(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|text| key_bits(text).is_ok())
}

/// A `custkeys.json` for `key`, `{"public_key":{"n":N},"private_key":{"p":P,"q":Q}}`, built in
/// one wiped buffer reserved up front (so no regrowth leaves a copy of p or q behind). p and q go
/// through the core's constant-time decimal writer into a wiped buffer; n is public.
pub fn write_keys<S: KeySize>(key: &PrivateKey<S>) -> Result<Zeroizing<String>> {
    const OPEN: &str = "{\"public_key\":{\"n\":";
    const P: &str = "},\"private_key\":{\"p\":";
    const Q: &str = ",\"q\":";
    const CLOSE: &str = "}}";
    let n = decimal(key.public_key().n());
    let room = OPEN.len() + n.len() + P.len() + Q.len() + CLOSE.len() + 2 * S::P::DECIMAL_DIGITS;
    let mut text = Zeroizing::new(String::with_capacity(room));
    let mut digits = Zeroizing::new(vec![0u8; S::P::DECIMAL_DIGITS]);
    let (p, q) = key.primes();
    text.push_str(OPEN);
    text.push_str(&n);
    text.push_str(P);
    push_digits(&mut text, p.write_decimal(&mut digits)?);
    text.push_str(Q);
    push_digits(&mut text, q.write_decimal(&mut digits)?);
    text.push_str(CLOSE);
    debug_assert!(text.capacity() == room, "the text grew, leaving a copy");
    Ok(text)
}

/// Appends ASCII digits a byte at a time: each takes `push`'s one-byte path, where `str::from_utf8`
/// would first scan the secret digits to validate them.
fn push_digits(text: &mut String, digits: &[u8]) {
    for &digit in digits {
        text.push(char::from(digit));
    }
}

/// The private key in a `custkeys.json`, with every check of `PrivateKey::from_components`.
pub fn read_keys<S: KeySize>(text: &str) -> Result<PrivateKey<S>> {
    check_len(text)?;
    let file: KeysFile<'_> = serde_json::from_str(text).context("not a custkeys.json")?;
    let public = PublicKey::from_n(public(
        raw_digits(file.public_key.n, "n", MAX_N_DIGITS)?,
        "n",
    )?)?;
    let p = secret::<S::P>(file.private_key.p, "p")?;
    let q = secret::<S::P>(file.private_key.q, "q")?;
    Ok(PrivateKey::from_components(&public, *p, *q, &mut os_rng())?)
}

/// The public key in a `custkeys.json` (only its public part is read).
pub fn read_public_key<S: KeySize>(text: &str) -> Result<PublicKey<S>> {
    check_len(text)?;
    let file: AnyKey<'_> = serde_json::from_str(text).context("not JSON")?;
    let n = file
        .modulus(false)
        .ok_or_else(|| anyhow!("no public key (\"public_key\" with \"n\")"))?;
    Ok(PublicKey::from_n(public(
        raw_digits(n.n, "n", MAX_N_DIGITS)?,
        "n",
    )?)?)
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
    if values.len() > MAX_FEATURES {
        bail!(
            "\"values\" has {} entries, more than the {MAX_FEATURES} features a model can have",
            values.len()
        );
    }
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
    let n: S::N = public(
        value_digits(field(field(&value, "pubkey")?, "n")?, "n", MAX_N_DIGITS)?,
        "n",
    )?;
    // n is public.
    if n != *key.n() {
        return Err(hecate::Error::KeyMismatch.into());
    }
    encrypted(key, field(&value, "values")?)
}

/// Refuses a file longer than any valid one, before any parsing.
fn check_len(text: &str) -> Result<()> {
    if text.len() > MAX_FILE_LEN {
        return Err(PheError::FileTooLarge { len: text.len() }.into());
    }
    Ok(())
}

/// The JSON object in a public file, unwrapped once from a JSON string as the demo's writers
/// did. (A `custkeys.json` was never wrapped: its readers take the object only.)
fn unwrapped(text: &str) -> Result<Cow<'_, str>> {
    check_len(text)?;
    if text.trim_start().starts_with('"') {
        let inner: String =
            serde_json::from_str(text).context("a JSON string that does not hold JSON")?;
        Ok(Cow::Owned(inner))
    } else {
        Ok(Cow::Borrowed(text))
    }
}

/// Parses a public file's JSON object.
fn parse(text: &str) -> Result<Value> {
    let value: Value = serde_json::from_str(&unwrapped(text)?).context("not JSON")?;
    if !value.is_object() {
        bail!("not a JSON object");
    }
    Ok(value)
}

fn field<'a>(value: &'a Value, name: &str) -> Result<&'a Value> {
    value.get(name).ok_or_else(|| anyhow!("no {name:?}"))
}

fn public_key_in<S: KeySize>(value: &Value, name: &str) -> Result<PublicKey<S>> {
    let n = field(field(value, name)?, "n")?;
    Ok(PublicKey::from_n(public(
        value_digits(n, "n", MAX_N_DIGITS)?,
        "n",
    )?)?)
}

/// `[ciphertext as a decimal string, exponent]`.
fn encrypted<S: KeySize>(key: &PublicKey<S>, pair: &Value) -> Result<EncryptedNumber<S>> {
    let [ciphertext, exponent] = pair.as_array().map(Vec::as_slice).unwrap_or_default() else {
        bail!("not a [ciphertext, exponent] pair");
    };
    let ciphertext = ciphertext
        .as_str()
        .ok_or_else(|| anyhow!("the ciphertext is not a string"))?;
    let digits = checked_digits(ciphertext, "ciphertext", MAX_CIPHERTEXT_DIGITS)?;
    let exponent = exponent
        .as_i64()
        .and_then(|e| i32::try_from(e).ok())
        .ok_or_else(|| anyhow!("the exponent is not a small integer"))?;
    let value = S::NSquared::from_decimal(digits)
        .into_option()
        .ok_or(hecate::Error::InvalidCiphertext)?;
    let ciphertext = key.ciphertext(value)?;
    if exponent.unsigned_abs() > hecate::EXPONENT_LIMIT.unsigned_abs() {
        return Err(hecate::Error::ExponentOutOfRange.into());
    }
    Ok(EncryptedNumber {
        ciphertext,
        exponent,
    })
}

/// The digits of a bare JSON integer or a decimal string in a parsed (public) file.
fn value_digits<'a>(value: &'a Value, field: &'static str, max: usize) -> Result<&'a [u8]> {
    let text = match value {
        Value::Number(number) => number.as_str(),
        Value::String(text) => text,
        _ => bail!("{field} is not an integer"),
    };
    checked_digits(text, field, max)
}

/// The digits of a raw JSON integer or decimal string: the quotes are format, never a digit, so
/// looking for them reveals nothing of a secret number; a string with escapes is refused as not
/// decimal.
fn raw_digits<'a>(raw: &'a RawValue, field: &'static str, max: usize) -> Result<&'a [u8]> {
    let text = raw.get();
    let text = text
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(text);
    checked_digits(text, field, max)
}

/// Refuses more than `max` digits, from the length alone (public: it shows in the file's size).
fn checked_digits<'a>(text: &'a str, field: &'static str, max: usize) -> Result<&'a [u8]> {
    if text.len() > max {
        return Err(PheError::TooManyDigits {
            field,
            digits: text.len(),
            max,
        }
        .into());
    }
    Ok(text.as_bytes())
}

/// A public number of the key size.
fn public<T: Integer>(digits: &[u8], field: &'static str) -> Result<T> {
    T::from_decimal(digits)
        .into_option()
        .ok_or_else(|| PheError::NotAnInteger { field }.into())
}

/// A secret prime, read in constant time in its digits into an integer wiped on drop; only
/// whether it is a valid number of the key size is revealed.
fn secret<T: Integer>(raw: &RawValue, field: &'static str) -> Result<Zeroizing<T>> {
    let digits = raw_digits(raw, field, MAX_PRIME_DIGITS)?;
    T::from_decimal(digits)
        .into_option()
        .map(Zeroizing::new)
        .ok_or_else(|| PheError::NotAnInteger { field }.into())
}

fn bytes<T: Integer>(x: &T) -> Vec<u8> {
    let mut out = vec![0u8; T::BYTES];
    x.write_be(&mut out);
    out
}

/// A public number in decimal (variable-time).
fn decimal<T: Integer>(x: &T) -> String {
    BigUint::from_bytes_be(&bytes(x)).to_string()
}

/// A public number (n) as a bare JSON integer; variable-time, and its copies are not wiped.
fn number<T: Integer>(x: &T) -> Result<Value> {
    serde_json::from_str(&decimal(x)).context("a decimal integer is JSON")
}

#[cfg(test)]
mod tests {
    use hecate::Paillier2048;

    use super::*;

    fn refusal(result: Result<impl fmt::Debug>) -> PheError {
        *result
            .expect_err("refused")
            .downcast_ref::<PheError>()
            .expect("a PheError")
    }

    fn keys_with(n: &str, p: &str, q: &str) -> String {
        format!("{{\"public_key\": {{\"n\": {n}}}, \"private_key\": {{\"p\": {p}, \"q\": {q}}}}}")
    }

    #[test]
    fn a_file_longer_than_any_valid_one_is_refused_before_parsing() {
        let file = keys_with(&"7".repeat(1_000_000), "3", "5");
        let error = refusal(key_bits(&file));
        assert_eq!(error, PheError::FileTooLarge { len: file.len() });
        assert!(error.to_string().contains("324818"), "{error}");
        assert_eq!(refusal(read_keys::<Paillier2048>(&file)), error);
    }

    #[test]
    fn numbers_longer_than_a_4096_bit_key_needs_are_refused_naming_the_field() {
        let n = "7".repeat(MAX_N_DIGITS + 1);
        let error = refusal(key_bits(&keys_with(&n, "3", "5")));
        assert_eq!(
            error,
            PheError::TooManyDigits {
                field: "n",
                digits: 1235,
                max: 1234
            }
        );
        assert_eq!(
            error.to_string(),
            "n has 1235 digits, more than the 1234 a 4096-bit key can need"
        );
        let key = PrivateKey::<Paillier2048>::generate(&mut os_rng()).expect("key");
        let n = decimal(key.public_key().n());
        let long_p = "1".repeat(MAX_PRIME_DIGITS + 1);
        let file = keys_with(&n, &long_p, "5");
        assert!(matches!(
            refusal(read_keys::<Paillier2048>(&file)),
            PheError::TooManyDigits { field: "p", .. }
        ));
        let file = keys_with(&n, "5", &format!("\"{long_p}\""));
        assert!(matches!(
            refusal(read_keys::<Paillier2048>(&file)),
            PheError::TooManyDigits { field: "q", .. }
        ));
        let ciphertext = "1".repeat(MAX_CIPHERTEXT_DIGITS + 1);
        let data =
            format!("{{\"public_key\": {{\"n\": {n}}}, \"values\": [[\"{ciphertext}\", 0]]}}");
        let error = read_query::<Paillier2048>(&data).expect_err("refused");
        assert!(
            format!("{error:#}").contains("ciphertext has 2468 digits"),
            "{error:#}"
        );
    }

    #[test]
    fn the_largest_valid_data_json_fits_the_limit() {
        let ciphertext = "9".repeat(MAX_CIPHERTEXT_DIGITS);
        let values = vec![format!("[\"{ciphertext}\", -2147483648]"); MAX_FEATURES].join(", ");
        let inner = format!(
            "{{\"public_key\": {{\"n\": {}}}, \"values\": [{values}]}}",
            "9".repeat(MAX_N_DIGITS)
        );
        let wrapped = serde_json::to_string(&inner).expect("a JSON string");
        assert!(wrapped.len() <= MAX_FILE_LEN, "{}", wrapped.len());
    }

    #[test]
    fn keys_read_back_and_bad_primes_are_typed_errors() {
        let key = PrivateKey::<Paillier2048>::generate(&mut os_rng()).expect("key");
        let text = write_keys(&key).expect("custkeys.json");
        let (p, q) = key.primes();
        let expected = format!(
            "{{\"public_key\":{{\"n\":{}}},\"private_key\":{{\"p\":{},\"q\":{}}}}}",
            decimal(key.public_key().n()),
            decimal(p),
            decimal(q)
        );
        assert_eq!(*text, expected);
        assert_eq!(key_bits(&text).expect("bits"), 2048);
        assert!(read_keys::<Paillier2048>(&text).expect("reads") == key);
        let n = decimal(key.public_key().n());
        for p in ["-3", "\"1\\u0030\"", "1.5", "\"\""] {
            let error = read_keys::<Paillier2048>(&keys_with(&n, p, "5")).expect_err(p);
            assert!(
                error.downcast_ref::<PheError>() == Some(&PheError::NotAnInteger { field: "p" })
                    || error.to_string().contains("custkeys"),
                "{p}: {error:#}"
            );
        }
    }
}
