//! The message of a passphrase-protected private key or model (kind `E`): the inner `S` or `M`
//! message sealed with an AEAD under a key derived from a passphrase.
//!
//! ```text
//! "HCT" 'E' 1 | subject, KDF parameters, salt, nonce | ciphertext | CRC-32
//! └──────────── associated data ──────────────────────┘
//! ```
//!
//! The core reads and writes this envelope only. Deriving the key (Argon2id) and sealing
//! (XChaCha20-Poly1305) need a large memory area and happen where `std` is, in `hecate-app`; so a
//! firmware build keeps its formats without carrying either. Everything here is public: the
//! secret is inside the ciphertext.

use serde::{Deserialize, Serialize};

use crate::wire::{CRC_LEN, HEADER_LEN, Kind, body, open, seal};
use crate::{Error, Fingerprint, ModelId, Result};

/// Bytes of the KDF's salt.
pub const SALT_LEN: usize = 16;
/// Bytes of the AEAD's nonce (XChaCha20-Poly1305).
pub const NONCE_LEN: usize = 24;
/// Bytes of the AEAD's tag, the least a ciphertext holds.
pub const TAG_LEN: usize = 16;

/// Argon2id's costs, as stored in the file and bounded when read: a crafted file cannot make its
/// reader allocate or compute without limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub passes: u32,
    /// Lanes (degree of parallelism).
    pub lanes: u32,
}

impl KdfParams {
    /// The most memory a file may ask for: 1 GiB, four times the largest that password managers
    /// use.
    pub const MAX_MEMORY_KIB: u32 = 1024 * Self::MAX_MEMORY_MIB;
    /// [`MAX_MEMORY_KIB`](Self::MAX_MEMORY_KIB) in MiB.
    pub const MAX_MEMORY_MIB: u32 = 1024;
    /// The most passes a file may ask for.
    pub const MAX_PASSES: u32 = 16;
    /// The most lanes a file may ask for.
    pub const MAX_LANES: u32 = 16;
    /// The most work a file may ask for, memory times passes: 4 GiB, about five times Hecate's
    /// own costs (so at most a few seconds), whatever the split.
    pub const MAX_WORK_MIB: u64 = 4 * 1024;

    /// Refuses costs out of bounds, and those Argon2 itself refuses (fewer than 8 KiB a lane).
    pub fn check(&self) -> Result<()> {
        let lanes_ok = (1..=Self::MAX_LANES).contains(&self.lanes);
        // Widened: a crafted lane count must not overflow the bound it is checked against.
        let memory_ok = (8 * u64::from(self.lanes)..=u64::from(Self::MAX_MEMORY_KIB))
            .contains(&u64::from(self.memory_kib));
        let passes_ok = (1..=Self::MAX_PASSES).contains(&self.passes);
        let work_ok =
            u64::from(self.memory_kib) * u64::from(self.passes) <= Self::MAX_WORK_MIB * 1024;
        if lanes_ok && memory_ok && passes_ok && work_ok {
            Ok(())
        } else {
            Err(Error::KdfParamsOutOfBounds)
        }
    }
}

/// Whose secret a sealed message holds: bound as associated data, and checked against the inner
/// message once opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A private key, by its public key's fingerprint.
    PrivateKey(Fingerprint),
    /// A model, by its id.
    Model(ModelId),
}

impl Subject {
    /// The kind of the inner message.
    pub fn kind(&self) -> Kind {
        match self {
            Self::PrivateKey(_) => Kind::PrivateKey,
            Self::Model(_) => Kind::Model,
        }
    }
}

/// Everything of a sealed message but its ciphertext.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SealedHeader {
    /// Whose secret it is.
    pub subject: Subject,
    /// How the key is derived from the passphrase.
    pub kdf: KdfParams,
    /// The KDF's salt.
    pub salt: [u8; SALT_LEN],
    /// The AEAD's nonce.
    pub nonce: [u8; NONCE_LEN],
}

/// A decoded sealed message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sealed<'a> {
    /// Its header.
    pub header: SealedHeader,
    /// The bytes the AEAD authenticates besides the ciphertext: the message from its start to the
    /// ciphertext (magic, kind, version and the header).
    pub associated_data: &'a [u8],
    /// The AEAD's output: the inner message, encrypted, and the tag.
    pub ciphertext: &'a [u8],
}

#[derive(Serialize, Deserialize)]
enum SubjectBody {
    PrivateKey([u8; 32]),
    Model([u8; 16]),
}

#[derive(Serialize, Deserialize)]
struct HeaderBody {
    subject: SubjectBody,
    kdf: KdfParams,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
}

/// postcard writes a struct as its fields one after the other: this body is the header's body
/// followed by the ciphertext, so the associated data is a prefix of the message.
#[derive(Serialize, Deserialize)]
struct SealedBody<'a> {
    header: HeaderBody,
    ciphertext: &'a [u8],
}

impl From<&SealedHeader> for HeaderBody {
    fn from(header: &SealedHeader) -> Self {
        Self {
            subject: match header.subject {
                Subject::PrivateKey(fingerprint) => SubjectBody::PrivateKey(fingerprint.0),
                Subject::Model(id) => SubjectBody::Model(id.0),
            },
            kdf: header.kdf,
            salt: header.salt,
            nonce: header.nonce,
        }
    }
}

impl From<&HeaderBody> for SealedHeader {
    fn from(body: &HeaderBody) -> Self {
        Self {
            subject: match body.subject {
                SubjectBody::PrivateKey(fingerprint) => {
                    Subject::PrivateKey(Fingerprint(fingerprint))
                }
                SubjectBody::Model(id) => Subject::Model(ModelId(id)),
            },
            kdf: body.kdf,
            salt: body.salt,
            nonce: body.nonce,
        }
    }
}

/// The largest inner message whose sealed message is still within
/// [`MAX_MESSAGE_LEN`](crate::MAX_MESSAGE_LEN): room for the envelope, the header and the tag.
pub const MAX_SEALED_INNER_LEN: usize = crate::MAX_MESSAGE_LEN - 256;

impl SealedHeader {
    /// Writes the associated data of a message with this header into `out`; returns its length.
    /// It is what [`Sealed::from_bytes`] gives back as [`Sealed::associated_data`].
    pub fn associated_data(&self, out: &mut [u8]) -> Result<usize> {
        self.kdf.check()?;
        // A message without its checksum: the CRC is no part of the associated data.
        let len = seal(Kind::Sealed, &HeaderBody::from(self), out)?;
        Ok(len - CRC_LEN)
    }

    /// Writes the sealed message with this header and `ciphertext` into `out`; returns its length.
    pub fn to_bytes(&self, ciphertext: &[u8], out: &mut [u8]) -> Result<usize> {
        self.kdf.check()?;
        check_ciphertext_len(ciphertext.len())?;
        let body = SealedBody {
            header: self.into(),
            ciphertext,
        };
        seal(Kind::Sealed, &body, out)
    }
}

fn check_ciphertext_len(len: usize) -> Result<()> {
    if (TAG_LEN + 1..=MAX_SEALED_INNER_LEN + TAG_LEN).contains(&len) {
        Ok(())
    } else {
        Err(Error::Malformed)
    }
}

impl<'a> Sealed<'a> {
    /// Decodes a sealed message, checking its envelope, its KDF costs' bounds and its lengths.
    pub fn from_bytes(message: &'a [u8]) -> Result<Self> {
        let body_bytes = open(message, Kind::Sealed)?;
        let decoded: SealedBody<'a> = body(body_bytes)?;
        decoded.header.kdf.check()?;
        check_ciphertext_len(decoded.ciphertext.len())?;
        // The ciphertext is the body's tail: what comes before it is the associated data.
        let header_end = body_bytes
            .len()
            .checked_sub(decoded.ciphertext.len() + varint_len(decoded.ciphertext.len()))
            .ok_or(Error::Malformed)?;
        let associated_data = message
            .get(..HEADER_LEN + header_end)
            .ok_or(Error::Malformed)?;
        Ok(Self {
            header: SealedHeader::from(&decoded.header),
            associated_data,
            ciphertext: decoded.ciphertext,
        })
    }
}

/// Bytes of postcard's varint of `value`.
fn varint_len(mut value: usize) -> usize {
    let mut len = 1;
    while value >= 0x80 {
        value >>= 7;
        len += 1;
    }
    len
}
