//! The wire format: every file Hecate writes is one message.
//!
//! ```text
//! "HCT" kind(1) version(1) | postcard body | CRC-32 (ISO-HDLC, little-endian) of all before it
//! ```
//!
//! Kinds: `P` public key, `S` private key, `C` model card, `Q` query, `A` answer, `M` model, `E`
//! a private key or model sealed under a passphrase (`sealed.rs`). Big
//! integers are fixed-length big-endian byte strings (n: |n|/8 bytes, ciphertexts twice that).
//!
//! Versions are per kind ([`Kind::version`]). A public key is version 1 alone ({bits, n}: the
//! message whose SHA-256 is the key's fingerprint) or version 2 with its proof of being well
//! formed; the proof is never inside what the fingerprint hashes. Private keys are version 1;
//! cards, queries, answers and models version 2 (they carry the encoding, the proof and the mask).
//! Decoders are total: every length is bounded (heapless capacities, exact integer lengths), every
//! rule is checked, trailing bytes are an error, and the CRC turns accidental corruption into
//! [`Error::Corrupted`] instead of a wrong prediction.

use core::fmt;

use crypto_bigint::Choice;
use heapless::Vec;
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize, Serializer};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::memcheck::declassify;
use crate::modexp::Wide;

use crate::model::{
    FeatureSpec, MAX_FEATURES, ModelCard, ModelId, Name, Names, Specs, names, parse_name,
};
use crate::size::{Integer, is_supported};
use crate::{
    Ciphertext, EncryptedNumber, Error, KEY_PROOF_ROUNDS, KeyProof, KeySize, Model, PrivateKey,
    PublicKey, Result,
};
/// The largest message Hecate writes: a 128-feature query under a 4096-bit key is about 137 KiB.
pub const MAX_MESSAGE_LEN: usize = 144 * 1024;

const MAGIC: [u8; 3] = *b"HCT";
pub(crate) const HEADER_LEN: usize = 5;
pub(crate) const CRC_LEN: usize = 4;
/// Bitwise, without a lookup table: private keys and models are checksummed too, and a table
/// lookup would index memory by their secret bytes.
const CRC32: crc::Crc<u32, crc::NoTable> =
    crc::Crc::<u32, crc::NoTable>::new(&crc::CRC_32_ISO_HDLC);
/// The widest integer on the wire: a ciphertext under a 4096-bit key.
const MAX_INTEGER_BYTES: usize = 1024;
/// The longest public key message: n under a 4096-bit key.
const MAX_PUBLIC_KEY_LEN: usize = public_key_len(crypto_bigint::U4096::BYTES);

/// The longest public key message with n of `n_bytes` bytes: the header, the bit count and n's
/// length as postcard varints (at most 5 and 3 bytes), n, the checksum.
const fn public_key_len(n_bytes: usize) -> usize {
    HEADER_LEN + 5 + 3 + n_bytes + CRC_LEN
}

/// What a message holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A public key.
    PublicKey,
    /// A private key (secret).
    PrivateKey,
    /// A model card (public).
    ModelCard,
    /// A query: encrypted features.
    Query,
    /// An answer: an encrypted prediction.
    Answer,
    /// A model (secret).
    Model,
    /// A private key or a model sealed under a passphrase (see [`Sealed`](crate::Sealed)).
    Sealed,
}

impl Kind {
    const ALL: [Self; 7] = [
        Self::PublicKey,
        Self::PrivateKey,
        Self::ModelCard,
        Self::Query,
        Self::Answer,
        Self::Model,
        Self::Sealed,
    ];

    /// The format version this build writes for the kind (public keys: with a proof; without
    /// one they are version 1).
    pub fn version(self) -> u8 {
        match self {
            Self::PrivateKey | Self::Sealed => 1,
            Self::PublicKey | Self::ModelCard | Self::Query | Self::Answer | Self::Model => 2,
        }
    }

    /// Whether this build reads version `version` of the kind.
    fn reads(self, version: u8) -> bool {
        version == self.version() || (self == Self::PublicKey && version == 1)
    }

    fn tag(self) -> u8 {
        match self {
            Self::PublicKey => b'P',
            Self::PrivateKey => b'S',
            Self::ModelCard => b'C',
            Self::Query => b'Q',
            Self::Answer => b'A',
            Self::Model => b'M',
            Self::Sealed => b'E',
        }
    }

    /// Reads the kind of a message after checking its envelope (magic, version, CRC).
    pub fn of(message: &[u8]) -> Result<Self> {
        let tag = *message.get(3).ok_or(Error::Truncated)?;
        let kind = Self::ALL
            .into_iter()
            .find(|kind| kind.tag() == tag)
            .ok_or(Error::NotHecate)?;
        open(message, kind)?;
        Ok(kind)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PublicKey => "public key",
            Self::PrivateKey => "private key",
            Self::ModelCard => "model card",
            Self::Query => "query",
            Self::Answer => "answer",
            Self::Model => "model",
            Self::Sealed => "passphrase-protected file",
        })
    }
}

/// SHA-256 of a public key's message: how an answer names the key it is for.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fingerprint(pub [u8; 32]);

impl fmt::Display for Fingerprint {
    /// Lowercase hex, all 64 digits (`{:.16}` keeps the first 16).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

/// Writes `bytes` in lowercase hex, only the first digits when `f` has a precision (`{:.8}`).
pub(crate) fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    let digits = f.precision().unwrap_or(usize::MAX);
    bytes
        .iter()
        .flat_map(|byte| [byte >> 4, byte & 0xf])
        .take(digits)
        .try_for_each(|digit| write!(f, "{digit:x}"))
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// The CRC-32 of a message's header and body.
pub(crate) fn checksum(signed: &[u8]) -> u32 {
    CRC32.checksum(signed)
}

/// Checks the envelope of a message of `kind` and returns its body.
pub(crate) fn open(message: &[u8], kind: Kind) -> Result<&[u8]> {
    open_versioned(message, kind).map(|(body, _)| body)
}

/// Checks the envelope of a message of `kind` and returns its body and version.
fn open_versioned(message: &[u8], kind: Kind) -> Result<(&[u8], u8)> {
    if message.len() > MAX_MESSAGE_LEN {
        return Err(Error::TooLong);
    }
    let (header, rest) = message
        .split_at_checked(HEADER_LEN)
        .ok_or(Error::Truncated)?;
    let (body, crc) = rest
        .split_at_checked(rest.len().checked_sub(CRC_LEN).ok_or(Error::Truncated)?)
        .ok_or(Error::Truncated)?;
    let [m0, m1, m2, tag, version] = *header else {
        return Err(Error::Truncated);
    };
    if [m0, m1, m2] != MAGIC {
        return Err(Error::NotHecate);
    }
    if tag != kind.tag() {
        let found = Kind::ALL
            .into_iter()
            .find(|other| other.tag() == tag)
            .ok_or(Error::NotHecate)?;
        return Err(Error::WrongKind {
            expected: kind,
            found,
        });
    }
    if !kind.reads(version) {
        return Err(Error::UnsupportedVersion(version));
    }
    let stored = u32::from_le_bytes(crc.try_into().map_err(|_| Error::Truncated)?);
    let signed_len = message.len() - CRC_LEN;
    let computed = checksum(message.get(..signed_len).ok_or(Error::Truncated)?);
    // The checksum of a private key or model is derived from secrets: declassify only the verdict.
    if !declassify(Choice::from_u32_eq(computed, stored)) {
        return Err(Error::Corrupted);
    }
    Ok((body, version))
}

/// Writes a message of `kind` with `body` into `out`; returns its length.
pub(crate) fn seal(kind: Kind, body: &impl Serialize, out: &mut [u8]) -> Result<usize> {
    seal_versioned(kind, kind.version(), body, out)
}

/// Writes a message of `kind` at `version` with `body` into `out`; returns its length.
fn seal_versioned(kind: Kind, version: u8, body: &impl Serialize, out: &mut [u8]) -> Result<usize> {
    let (header, rest) = out
        .split_at_mut_checked(HEADER_LEN)
        .ok_or(Error::BufferTooSmall)?;
    header.copy_from_slice(&[MAGIC[0], MAGIC[1], MAGIC[2], kind.tag(), version]);
    let body_len = postcard::to_slice(body, rest)
        .map_err(|_| Error::BufferTooSmall)?
        .len();
    let signed_len = HEADER_LEN + body_len;
    let crc = checksum(out.get(..signed_len).ok_or(Error::BufferTooSmall)?);
    out.get_mut(signed_len..signed_len + CRC_LEN)
        .ok_or(Error::BufferTooSmall)?
        .copy_from_slice(&crc.to_le_bytes());
    Ok(signed_len + CRC_LEN)
}

/// Decodes a body that must fill the whole of `bytes` and be exactly how Hecate writes it.
///
/// postcard reads a varint with redundant continuation bytes (`80 10` and `80 90 00` are both
/// 2048): without the second check a message would have several encodings, and a public key
/// file's SHA-256 would not be its fingerprint.
pub(crate) fn body<'a, T: Deserialize<'a> + Serialize>(bytes: &'a [u8]) -> Result<T> {
    let (value, rest) = postcard::take_from_bytes(bytes).map_err(|_| Error::Malformed)?;
    if !rest.is_empty() {
        return Err(Error::Malformed);
    }
    let canonical = postcard::serialize_with_flavor(&value, Canonical::new(bytes))
        .map_err(|_| Error::Malformed)?;
    // Whether the encoding is canonical depends only on its structure (varints of public lengths
    // and numbers): secret bytes always re-encode to themselves.
    if declassify(canonical) {
        Ok(value)
    } else {
        Err(Error::Malformed)
    }
}

/// A postcard output that compares what is written with `expected` instead of storing it, so that
/// a body is checked to be canonical without a buffer. Constant-time in the bytes (those of a
/// private key or a model are secret): differences are accumulated, never branched on.
struct Canonical<'a> {
    expected: &'a [u8],
    written: usize,
    difference: u8,
}

impl<'a> Canonical<'a> {
    fn new(expected: &'a [u8]) -> Self {
        Self {
            expected,
            written: 0,
            difference: 0,
        }
    }
}

impl postcard::ser_flavors::Flavor for Canonical<'_> {
    type Output = Choice;

    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        let expected = self
            .expected
            .get(self.written)
            .ok_or(postcard::Error::SerializeBufferFull)?;
        self.difference |= byte ^ expected;
        self.written += 1;
        Ok(())
    }

    fn finalize(self) -> postcard::Result<Choice> {
        if self.written == self.expected.len() {
            Ok(Choice::from_u32_eq(u32::from(self.difference), 0))
        } else {
            Err(postcard::Error::SerializeBufferFull)
        }
    }
}

/// A big integer written as its fixed-length big-endian bytes.
struct Big<'a, T>(&'a T);

impl<T: Integer> Serialize for Big<'_, T> {
    fn serialize<Z: Serializer>(&self, serializer: Z) -> core::result::Result<Z::Ok, Z::Error> {
        let mut buffer = [0u8; MAX_INTEGER_BYTES];
        let bytes = buffer.get_mut(..T::BYTES).unwrap_or_default();
        self.0.write_be(bytes);
        let result = serializer.serialize_bytes(bytes);
        bytes.zeroize();
        result
    }
}

/// A big integer from exactly `T::BYTES` bytes.
fn integer<T: Integer>(bytes: &[u8]) -> Result<T> {
    T::read_be(bytes).ok_or(Error::Malformed)
}

#[derive(Serialize, Deserialize)]
struct KeyBody<B> {
    bits: u32,
    n: B,
}

/// A public key with its proof (version 2 of the public key message).
#[derive(Serialize, Deserialize)]
struct ProvenKeyBody<B> {
    bits: u32,
    n: B,
    proof: Vec<B, KEY_PROOF_ROUNDS>,
}

#[derive(Serialize, Deserialize)]
struct PrivateKeyBody<B> {
    bits: u32,
    p: B,
    q: B,
}

/// A feature's encoding: its exponent and declared mantissa range.
#[derive(Serialize, Deserialize)]
struct SpecBody {
    exponent: i32,
    low: i64,
    high: i64,
}

#[derive(Serialize, Deserialize)]
struct CardBody<T> {
    id: [u8; 16],
    target: T,
    features: Vec<T, MAX_FEATURES>,
    specs: Vec<SpecBody, MAX_FEATURES>,
    weight_exponent: i32,
    weight_bits: u32,
    intercept_bits: u32,
    key_sizes: Vec<u32, 4>,
}

#[derive(Serialize, Deserialize)]
struct FeatureBody<B> {
    ciphertext: B,
    exponent: i32,
}

#[derive(Serialize, Deserialize)]
struct QueryBody<K, C, T> {
    key: KeyBody<K>,
    fingerprint: Fingerprint,
    proof: Option<Vec<K, KEY_PROOF_ROUNDS>>,
    model: Option<[u8; 16]>,
    names: Vec<T, MAX_FEATURES>,
    features: Vec<FeatureBody<C>, MAX_FEATURES>,
}

#[derive(Serialize, Deserialize)]
struct AnswerBody<B> {
    fingerprint: Fingerprint,
    model: [u8; 16],
    mask_bits: u32,
    ciphertext: B,
    exponent: i32,
}

#[derive(Serialize, Deserialize)]
struct ModelBody<T> {
    id: [u8; 16],
    target: T,
    features: Vec<T, MAX_FEATURES>,
    specs: Vec<SpecBody, MAX_FEATURES>,
    weight_exponent: i32,
    weight_bits: u32,
    intercept_bits: u32,
    weights: Vec<[u8; 32], MAX_FEATURES>,
    /// Fixed-width big-endian (not varints): their length and encoding must not depend on them.
    intercept: [u8; 8],
    intercept_exponent: [u8; 4],
}

/// The number of bits of the key in a public-key, private-key or query message, so that a caller
/// can pick the [`KeySize`] to decode it with.
pub fn key_bits(message: &[u8]) -> Result<u32> {
    let bits = match Kind::of(message)? {
        Kind::PublicKey => match open_versioned(message, Kind::PublicKey)? {
            (bytes, 1) => body::<KeyBody<&[u8]>>(bytes)?.bits,
            (bytes, _) => body::<ProvenKeyBody<&[u8]>>(bytes)?.bits,
        },
        Kind::PrivateKey => body::<PrivateKeyBody<&[u8]>>(open(message, Kind::PrivateKey)?)?.bits,
        Kind::Query => {
            body::<QueryBody<&[u8], &[u8], &str>>(open(message, Kind::Query)?)?
                .key
                .bits
        }
        Kind::Answer => {
            let answer = body::<AnswerBody<&[u8]>>(open(message, Kind::Answer)?)?;
            u32::try_from(answer.ciphertext.len() * 4).map_err(|_| Error::Malformed)?
        }
        Kind::ModelCard | Kind::Model | Kind::Sealed => return Err(Error::InvalidKeySize),
    };
    if is_supported(bits) {
        Ok(bits)
    } else {
        Err(Error::InvalidKeySize)
    }
}

fn check_bits<S: KeySize>(bits: u32) -> Result<()> {
    if bits == S::BITS {
        Ok(())
    } else {
        Err(Error::InvalidKeySize)
    }
}

fn public_key_from<S: KeySize>(key: &KeyBody<&[u8]>) -> Result<PublicKey<S>> {
    check_bits::<S>(key.bits)?;
    PublicKey::from_n(integer(key.n)?)
}

/// A proof's roots, each of exactly the width of n (their values are checked by
/// [`KeyProof::verify`]).
fn proof_from<S: KeySize>(roots: &[&[u8]]) -> Result<KeyProof<S>> {
    let mut values = Vec::<S::N, KEY_PROOF_ROUNDS>::new();
    for root in roots {
        values
            .push(integer(root)?)
            .map_err(|_| Error::KeyProofLength)?;
    }
    KeyProof::from_roots(&values)
}

fn proof_body<S: KeySize>(proof: &KeyProof<S>) -> Vec<Big<'_, S::N>, KEY_PROOF_ROUNDS> {
    proof.roots().iter().map(Big).collect()
}

/// Reads a public key message, and its proof when it has one (version 2).
pub fn public_key_with_proof<S: KeySize>(
    message: &[u8],
) -> Result<(PublicKey<S>, Option<KeyProof<S>>)> {
    match open_versioned(message, Kind::PublicKey)? {
        (bytes, 1) => Ok((public_key_from(&body::<KeyBody<&[u8]>>(bytes)?)?, None)),
        (bytes, _) => {
            let body = body::<ProvenKeyBody<&[u8]>>(bytes)?;
            let key = public_key_from::<S>(&KeyBody {
                bits: body.bits,
                n: body.n,
            })?;
            let proof = proof_from::<S>(&body.proof)?;
            Ok((key, Some(proof)))
        }
    }
}

fn names_from<'a>(list: impl IntoIterator<Item = &'a &'a str>) -> Result<Names> {
    names(list.into_iter().copied())
}

impl<S: KeySize> PublicKey<S> {
    /// Writes the public key message without a proof (version 1, whose SHA-256 is the key's
    /// fingerprint) into `out`; returns its length.
    pub fn to_bytes(&self, out: &mut [u8]) -> Result<usize> {
        seal_versioned(Kind::PublicKey, 1, &self.body(), out)
    }

    /// Writes the public key message with its proof (version 2) into `out`; returns its length.
    pub fn to_bytes_with_proof(&self, proof: &KeyProof<S>, out: &mut [u8]) -> Result<usize> {
        let body = ProvenKeyBody {
            bits: S::BITS,
            n: Big(self.n()),
            proof: proof_body(proof),
        };
        seal(Kind::PublicKey, &body, out)
    }

    fn body(&self) -> KeyBody<Big<'_, S::N>> {
        KeyBody {
            bits: S::BITS,
            n: Big(self.n()),
        }
    }

    /// Reads a public key message (n odd, of exactly the key size), with or without a proof
    /// ([`public_key_with_proof`] keeps the proof).
    pub fn from_bytes(message: &[u8]) -> Result<Self> {
        public_key_with_proof(message).map(|(key, _)| key)
    }

    /// SHA-256 of the public key message.
    pub(crate) fn compute_fingerprint(&self) -> Result<Fingerprint> {
        const {
            assert!(
                public_key_len(S::N::BYTES) <= MAX_PUBLIC_KEY_LEN,
                "the fingerprint buffer holds this key size's public key message"
            );
        };
        let mut buffer = [0u8; MAX_PUBLIC_KEY_LEN];
        let len = self.to_bytes(&mut buffer)?;
        Ok(Fingerprint(
            Sha256::digest(buffer.get(..len).ok_or(Error::BufferTooSmall)?).into(),
        ))
    }
}

impl<S: KeySize> PrivateKey<S> {
    /// Writes the private key message into `out` (secret: p and q); returns its length.
    pub fn to_bytes(&self, out: &mut [u8]) -> Result<usize> {
        let (p, q) = self.primes();
        let body = PrivateKeyBody {
            bits: S::BITS,
            p: Big(p),
            q: Big(q),
        };
        seal(Kind::PrivateKey, &body, out)
    }

    /// The fingerprint of the key in a private key message: its envelope and lengths checked, but
    /// not its primes (no primality test). To name the key a message holds, as a sealed file's
    /// header does, not to use it.
    pub fn fingerprint_of(message: &[u8]) -> Result<Fingerprint> {
        let key = body::<PrivateKeyBody<&[u8]>>(open(message, Kind::PrivateKey)?)?;
        check_bits::<S>(key.bits)?;
        let p = Zeroizing::new(integer::<S::P>(key.p)?);
        let q = Zeroizing::new(integer::<S::P>(key.q)?);
        Ok(PublicKey::<S>::from_n(S::N::product(&p, &q))?.fingerprint())
    }

    /// Reads a private key message, with every check of [`PrivateKey::from_primes`] (whose
    /// primality test draws from `rng`).
    pub fn from_bytes<R: CryptoRng + ?Sized>(message: &[u8], rng: &mut R) -> Result<Self> {
        let key = body::<PrivateKeyBody<&[u8]>>(open(message, Kind::PrivateKey)?)?;
        check_bits::<S>(key.bits)?;
        let mut p = integer::<S::P>(key.p)?;
        let mut q = integer::<S::P>(key.q)?;
        let result = Self::from_primes(p, q, rng);
        p.zeroize();
        q.zeroize();
        result
    }
}

impl ModelCard {
    /// Writes the card message into `out`; returns its length.
    pub fn to_bytes(&self, out: &mut [u8]) -> Result<usize> {
        let body = CardBody {
            id: self.id.0,
            target: self.target.as_str(),
            features: self.features.iter().map(Name::as_str).collect(),
            specs: specs_body(self.specs()),
            weight_exponent: self.weight_exponent(),
            weight_bits: self.weight_bits(),
            intercept_bits: self.intercept_bits(),
            key_sizes: self.key_sizes.clone(),
        };
        seal(Kind::ModelCard, &body, out)
    }

    /// Reads a card message.
    pub fn from_bytes(message: &[u8]) -> Result<Self> {
        let card = body::<CardBody<&str>>(open(message, Kind::ModelCard)?)?;
        let features = names_from(&card.features)?;
        Self::from_fields(
            ModelId(card.id),
            card.target,
            &features,
            specs_from(&card.specs)?,
            card.weight_exponent,
            card.weight_bits,
            card.intercept_bits,
            card.key_sizes,
        )
    }
}

fn specs_body(specs: &[FeatureSpec]) -> Vec<SpecBody, MAX_FEATURES> {
    specs
        .iter()
        .map(|spec| {
            let (low, high) = spec.mantissas();
            SpecBody {
                exponent: spec.exponent(),
                low,
                high,
            }
        })
        .collect()
}

fn specs_from(specs: &[SpecBody]) -> Result<Specs> {
    specs
        .iter()
        .map(|spec| FeatureSpec::new(spec.exponent, spec.low, spec.high))
        .collect()
}

impl Model {
    /// Writes the model message into `out` (secret: the weights); returns its length.
    pub fn to_bytes(&self, out: &mut [u8]) -> Result<usize> {
        let (weight_bits, intercept_bits) = self.encoding_bits();
        let mut weights = Vec::<[u8; 32], MAX_FEATURES>::new();
        for weight in &self.weights {
            let mut bytes = [0u8; 32];
            weight.as_uint().write_be(&mut bytes);
            weights.push(bytes).map_err(|_| Error::TooManyFeatures)?;
        }
        let body = ModelBody {
            id: self.id.0,
            target: self.target.as_str(),
            features: self.features.iter().map(Name::as_str).collect(),
            specs: specs_body(self.specs()),
            weight_exponent: self.weight_exponent(),
            weight_bits,
            intercept_bits,
            weights,
            intercept: self.intercept.to_be_bytes(),
            intercept_exponent: self.intercept_exponent.to_be_bytes(),
        };
        let result = seal(Kind::Model, &body, out);
        let ModelBody { mut weights, .. } = body;
        weights.zeroize();
        result
    }

    /// Reads a model message.
    pub fn from_bytes(message: &[u8]) -> Result<Self> {
        let body = body::<ModelBody<&str>>(open(message, Kind::Model)?)?;
        // The secret fields are wiped however this returns.
        let weights = Zeroizing::new(body.weights);
        let intercept = Zeroizing::new(i64::from_be_bytes(body.intercept));
        let intercept_exponent = Zeroizing::new(i32::from_be_bytes(body.intercept_exponent));
        let features = names_from(&body.features)?;
        let target = parse_name(body.target)?;
        if weights.len() != features.len() {
            return Err(Error::FeatureCountMismatch {
                expected: crate::model::count(features.len()),
                actual: crate::model::count(weights.len()),
            });
        }
        // The intercept's exponent is secret: only whether it is in range is declassified.
        if !declassify(crate::encoding::exponent_in_range(*intercept_exponent)) {
            return Err(Error::ExponentOutOfRange);
        }
        let mut decoded = Vec::<crypto_bigint::I256, MAX_FEATURES>::new();
        for bytes in weights.iter() {
            let bits = integer::<crypto_bigint::U256>(bytes)?;
            let mut weight = crypto_bigint::I256::ZERO;
            weight.as_mut_limbs().copy_from_slice(bits.as_limbs());
            decoded.push(weight).map_err(|_| Error::TooManyFeatures)?;
        }
        let model = Self::from_parts(
            ModelId(body.id),
            target,
            features,
            specs_from(&body.specs)?,
            (body.weight_exponent, body.weight_bits, body.intercept_bits),
            decoded,
            (*intercept, *intercept_exponent),
        )?;
        Ok(model)
    }

    /// Checks that a query is for this model: its model id (if any), its feature names (if any)
    /// and its feature count.
    pub fn check_query<S: KeySize>(&self, query: &Query<S>) -> Result<()> {
        if query.model.is_some_and(|id| id != self.id) {
            return Err(Error::ModelMismatch);
        }
        if !query.names.is_empty() && query.names != self.features {
            return Err(Error::FeatureNamesMismatch);
        }
        if query.features.len() != self.features.len() {
            return Err(Error::FeatureCountMismatch {
                expected: crate::model::count(self.features.len()),
                actual: crate::model::count(query.features.len()),
            });
        }
        Ok(())
    }
}

/// A query: the customer's public key with its proof and encrypted features, for a model named by
/// id and/or feature names (both optional, checked by the company when present).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query<S: KeySize> {
    /// The customer's public key.
    pub key: PublicKey<S>,
    /// Its proof of being well formed ([`PrivateKey::prove_key`]); a company answers no query
    /// without one but python-paillier's.
    pub proof: Option<KeyProof<S>>,
    /// The model the query is for, from its card.
    pub model: Option<ModelId>,
    /// The feature names in order, or empty.
    pub names: Names,
    /// One encrypted number per feature.
    pub features: crate::EncryptedFeatures<S>,
}

impl<S: KeySize> Query<S> {
    /// Writes the query message into `out`; returns its length.
    pub fn to_bytes(&self, out: &mut [u8]) -> Result<usize> {
        let body = QueryBody {
            key: self.key.body(),
            fingerprint: self.key.fingerprint(),
            proof: self.proof.as_ref().map(proof_body),
            model: self.model.map(|id| id.0),
            names: self
                .names
                .iter()
                .map(Name::as_str)
                .collect::<Vec<&str, MAX_FEATURES>>(),
            features: self
                .features
                .iter()
                .map(|feature| FeatureBody {
                    ciphertext: Big(feature.ciphertext.value()),
                    exponent: feature.exponent,
                })
                .collect::<Vec<_, MAX_FEATURES>>(),
        };
        seal(Kind::Query, &body, out)
    }

    /// Reads a query message: the key of this size and valid, its fingerprint right, 1 to 128
    /// features, each ciphertext in Z*_{n²}, each exponent in range, names (if any) valid and as
    /// many as the features.
    pub fn from_bytes(message: &[u8]) -> Result<Self> {
        let query = body::<QueryBody<&[u8], &[u8], &str>>(open(message, Kind::Query)?)?;
        let key = public_key_from::<S>(&query.key)?;
        if key.fingerprint() != query.fingerprint {
            return Err(Error::FingerprintMismatch);
        }
        let names = if query.names.is_empty() {
            Names::new()
        } else {
            names_from(&query.names)?
        };
        if query.features.is_empty() {
            return Err(Error::NoFeatures);
        }
        if !names.is_empty() && names.len() != query.features.len() {
            return Err(Error::FeatureNamesMismatch);
        }
        let mut features = Vec::new();
        for feature in &query.features {
            crate::encoding::check_exponent(feature.exponent)?;
            let ciphertext = key.ciphertext(integer(feature.ciphertext)?)?;
            features
                .push(EncryptedNumber {
                    ciphertext,
                    exponent: feature.exponent,
                })
                .map_err(|_| Error::TooManyFeatures)?;
        }
        let proof = query.proof.as_deref().map(proof_from::<S>).transpose()?;
        Ok(Self {
            key,
            proof,
            model: query.model.map(ModelId),
            names,
            features,
        })
    }

    /// Verifies the key's proof of being well formed: refused without one
    /// ([`Error::MissingKeyProof`]) and with an invalid one.
    pub fn verify_key(&self) -> Result<()> {
        self.proof
            .as_ref()
            .ok_or(Error::MissingKeyProof)?
            .verify(&self.key)
    }
}

/// The key fingerprint a query message names (public), checked against nothing: the key and the
/// ciphertexts are not decoded. A company keys its per-customer limits on it before any work;
/// [`Query::from_bytes`] refuses a query whose fingerprint is not its key's.
pub fn query_fingerprint(message: &[u8]) -> Result<Fingerprint> {
    Ok(body::<QueryBody<&[u8], &[u8], &str>>(open(message, Kind::Query)?)?.fingerprint)
}

/// The key fingerprint and model an answer message names (public), without checking its
/// ciphertext, which needs the key.
pub fn answer_addressee(message: &[u8]) -> Result<(Fingerprint, ModelId)> {
    let answer = body::<AnswerBody<&[u8]>>(open(message, Kind::Answer)?)?;
    Ok((answer.fingerprint, ModelId(answer.model)))
}

/// An answer: the encrypted prediction, for the key and model it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer<S: KeySize> {
    /// The fingerprint of the customer's public key.
    pub fingerprint: Fingerprint,
    /// The model that answered.
    pub model: ModelId,
    /// μ: the prediction is masked modulo 2^μ ([`PrivateKey::decrypt_answer`] removes the mask).
    pub mask_bits: u32,
    /// The encrypted, masked prediction.
    pub value: EncryptedNumber<S>,
}

impl<S: KeySize> Answer<S> {
    /// Writes the answer message into `out`; returns its length.
    pub fn to_bytes(&self, out: &mut [u8]) -> Result<usize> {
        let body = AnswerBody {
            fingerprint: self.fingerprint,
            model: self.model.0,
            mask_bits: self.mask_bits,
            ciphertext: Big(self.value.ciphertext.value()),
            exponent: self.value.exponent,
        };
        seal(Kind::Answer, &body, out)
    }

    /// Reads an answer for `key`: refused with [`Error::KeyMismatch`] if it names another key, and
    /// unless its mask leaves room below n (1 ≤ μ ≤ bits − 2) and its ciphertext is in Z*_{n²}.
    pub fn from_bytes(message: &[u8], key: &PublicKey<S>) -> Result<Self> {
        let answer = body::<AnswerBody<&[u8]>>(open(message, Kind::Answer)?)?;
        if answer.fingerprint != key.fingerprint() {
            return Err(Error::KeyMismatch);
        }
        crate::encoding::check_exponent(answer.exponent)?;
        if !crate::model::mask_fits::<S>(answer.mask_bits) {
            return Err(Error::Malformed);
        }
        let ciphertext: Ciphertext<S> = key.ciphertext(integer(answer.ciphertext)?)?;
        Ok(Self {
            fingerprint: answer.fingerprint,
            model: ModelId(answer.model),
            mask_bits: answer.mask_bits,
            value: EncryptedNumber {
                ciphertext,
                exponent: answer.exponent,
            },
        })
    }
}
