//! Passphrase-protected private keys and models: Argon2id derives a key from the passphrase,
//! XChaCha20-Poly1305 seals the `S` or `M` message under it, into the core's `E` message. The
//! header (KDF costs, salt, nonce, the key's fingerprint or the model's id) is authenticated as
//! associated data, so no part of the file can change without the passphrase failing to open it.

use anyhow::{Context, Result, anyhow, bail};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hecate::rand_core::CryptoRng;
use hecate::{
    KdfParams, Kind, Model, NONCE_LEN, PrivateKey, SALT_LEN, Sealed, SealedHeader, Subject,
};
use zeroize::Zeroizing;

use crate::with_key_size;
use crate::workflows::{encode, os_rng};

/// The costs of every file Hecate seals: 256 MiB, 3 passes, 4 lanes: the top of the range password
/// managers use (Bitwarden's defaults are 64 MiB with the same passes and lanes; OWASP's minimum is
/// 19 MiB and 2 passes), since a key or model is opened once per run, not at every login. About
/// 0.4 s on a 2-core Zen 4.
pub const DEFAULT_KDF: KdfParams = KdfParams {
    memory_kib: 256 * 1024,
    passes: 3,
    lanes: 4,
};

/// What opening a sealed file says for a wrong passphrase, and for a file damaged behind a valid
/// checksum: the AEAD cannot tell the two apart.
pub const WRONG_PASSPHRASE: &str = "wrong passphrase or damaged file";

/// A passphrase: wiped when dropped, never shown by `Debug`.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Takes ownership of the text (nothing is copied).
    pub fn new(text: String) -> Self {
        Self(Zeroizing::new(text))
    }

    /// The passphrase from the first line of a passphrase file's bytes, without its line ending
    /// (what `gpg --passphrase-file` and `openssl -pass file:` read).
    pub fn from_file_bytes(bytes: &[u8]) -> Result<Self> {
        let line = bytes
            .split(|&byte| byte == b'\n')
            .next()
            .unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = std::str::from_utf8(line).context("the passphrase is not UTF-8 text")?;
        Ok(Self::new(text.to_owned()))
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Its text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(redacted)")
    }
}

/// Whether a file is a sealed key or model: Hecate's magic and kind `E`, whatever follows (a
/// damaged one is then refused as damaged, not as a file of another kind).
pub fn is_sealed(file: &[u8]) -> bool {
    file.starts_with(b"HCTE")
}

/// Seals a private key or model message under `passphrase` with [`DEFAULT_KDF`].
pub fn seal(message: &[u8], passphrase: &Passphrase) -> Result<Zeroizing<Vec<u8>>> {
    seal_with(message, passphrase, DEFAULT_KDF, &mut os_rng())
}

/// [`seal`] with chosen costs and random number generator.
pub fn seal_with(
    message: &[u8],
    passphrase: &Passphrase,
    kdf: KdfParams,
    rng: &mut impl CryptoRng,
) -> Result<Zeroizing<Vec<u8>>> {
    if passphrase.is_empty() {
        bail!("an empty passphrase protects nothing");
    }
    let subject = subject_of(message)?;
    let (mut salt, mut nonce) = ([0u8; SALT_LEN], [0u8; NONCE_LEN]);
    rng.fill_bytes(&mut salt);
    rng.fill_bytes(&mut nonce);
    let header = SealedHeader {
        subject,
        kdf,
        salt,
        nonce,
    };
    let associated_data = encode(|out| header.associated_data(out))?;
    let cipher = cipher(passphrase, &kdf, &salt)?;
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: message,
                aad: &associated_data,
            },
        )
        .map_err(|_| anyhow!("cannot seal the file"))?;
    encode(|out| header.to_bytes(&ciphertext, out))
}

/// Opens a sealed file with `passphrase`: the inner private key or model message.
pub fn open(file: &[u8], passphrase: &Passphrase) -> Result<Zeroizing<Vec<u8>>> {
    let sealed = Sealed::from_bytes(file)?;
    let cipher = cipher(passphrase, &sealed.header.kdf, &sealed.header.salt)?;
    let inner = cipher
        .decrypt(
            &XNonce::from(sealed.header.nonce),
            Payload {
                msg: sealed.ciphertext,
                aad: sealed.associated_data,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| anyhow!(WRONG_PASSPHRASE))?;
    // Authentic, so sealed by someone who knew the passphrase: still, what it holds must be what
    // the header says, or a reader would show one key's fingerprint and use another key.
    if subject_of(&inner).ok() != Some(sealed.header.subject) {
        bail!(
            "the sealed file does not hold the {} it names",
            sealed.header.subject.kind()
        );
    }
    Ok(inner)
}

/// Whether `file` holds the key or model `message`: the very bytes, or sealed (its header names
/// the same key or model; no passphrase needed). A sealed file's bytes differ on every save, so a
/// save over it compares what it names; a header that lies is refused by [`open`], so nothing
/// usable is lost by taking it at its word.
pub fn holds(file: &[u8], message: &[u8]) -> bool {
    file == message
        || Sealed::from_bytes(file)
            .is_ok_and(|sealed| subject_of(message).ok() == Some(sealed.header.subject))
}

/// The key's fingerprint or the model's id, from its message.
fn subject_of(message: &[u8]) -> Result<Subject> {
    Ok(match Kind::of(message)? {
        Kind::PrivateKey => with_key_size!(hecate::key_bits(message)?, |S| {
            // Its reader checks the primes: naming the key needs only n = p·q.
            anyhow::Ok(Subject::PrivateKey(PrivateKey::<S>::fingerprint_of(
                message,
            )?))
        })?,
        Kind::Model => Subject::Model(Model::from_bytes(message)?.id()),
        other => bail!("only a private key or a model is sealed under a passphrase, not a {other}"),
    })
}

/// The AEAD under the key Argon2id derives from the passphrase with the file's costs and salt.
fn cipher(passphrase: &Passphrase, kdf: &KdfParams, salt: &[u8]) -> Result<XChaCha20Poly1305> {
    // Bounded before anything is allocated: a crafted file cannot ask for more.
    kdf.check()?;
    let params = Params::new(kdf.memory_kib, kdf.passes, kdf.lanes, Some(32))
        .map_err(|error| anyhow!("key-derivation costs refused: {error}"))?;
    // Our own memory, wiped when dropped: argon2 frees its own without wiping it, and its last
    // blocks are all that the key is hashed from.
    let mut memory: Zeroizing<Vec<Block>> = Zeroizing::new(Vec::new());
    memory
        .try_reserve_exact(params.block_count())
        .map_err(|_| anyhow!("not enough memory for the key derivation"))?;
    memory.resize(params.block_count(), Block::default());
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into_with_memory(
            passphrase.as_str().as_bytes(),
            salt,
            key.as_mut_slice(),
            memory.as_mut_slice(),
        )
        .map_err(|error| anyhow!("cannot derive the key from the passphrase: {error}"))?;
    // A reference, not a copy: the key's only bytes stay in the wiped buffer.
    let key: &Key = (&*key).into();
    Ok(XChaCha20Poly1305::new(key))
}

/// How hard a passphrase is to guess, from zxcvbn: a score and, when weak, what would help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Strength {
    /// 0 (guessed at once) to 4 (very hard to guess); 3 or more is strong enough.
    pub score: u8,
    /// One line for the user: how strong, and what would make it stronger.
    pub hint: String,
}

impl Strength {
    /// Whether it is strong enough not to warn about.
    pub fn is_strong(&self) -> bool {
        self.score >= 3
    }
}

/// The strength of a passphrase.
pub fn strength(passphrase: &str) -> Strength {
    let entropy = zxcvbn::zxcvbn(passphrase, &[]);
    let score = u8::from(entropy.score());
    let verdict = match score {
        0 | 1 => "very weak",
        2 => "weak",
        3 => "strong",
        _ => "very strong",
    };
    let advice = entropy.feedback().map(|feedback| {
        let warning = feedback.warning().map(|warning| warning.to_string());
        let suggestions = feedback.suggestions().iter().map(ToString::to_string);
        warning
            .into_iter()
            .chain(suggestions)
            .collect::<Vec<_>>()
            .join(" ")
    });
    let hint = match advice {
        Some(advice) if !advice.is_empty() => format!("{verdict}: {advice}"),
        _ => verdict.to_owned(),
    };
    Strength { score, hint }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hecate::{DEFAULT_FEATURE_EXPONENT, FeatureSpec};

    /// Cheap costs: the tests open files thousands of times.
    const CHEAP: KdfParams = KdfParams {
        memory_kib: 64,
        passes: 1,
        lanes: 1,
    };

    fn model_message() -> Zeroizing<Vec<u8>> {
        let spec = FeatureSpec::from_range(DEFAULT_FEATURE_EXPONENT, -100.0, 100.0).expect("spec");
        let (model, _) =
            Model::from_f64("y", &["x"], &[spec], &[2.5], 1.0, &mut os_rng()).expect("model");
        encode(|out| model.to_bytes(out)).expect("encoded")
    }

    fn passphrase(text: &str) -> Passphrase {
        Passphrase::new(text.into())
    }

    /// The core's checksum (CRC-32/ISO-HDLC) recomputed, so that a changed byte gets past it to
    /// the AEAD.
    fn fix_checksum(message: &mut [u8]) {
        let (signed, crc) = message.split_at_mut(message.len() - 4);
        let checksum = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(signed);
        crc.copy_from_slice(&checksum.to_le_bytes());
    }

    #[test]
    fn sealed_files_open_with_their_passphrase_only() {
        let message = model_message();
        let sealed =
            seal_with(&message, &passphrase("tonic"), CHEAP, &mut os_rng()).expect("sealed");
        assert!(is_sealed(&sealed) && !is_sealed(&message));
        assert_eq!(
            *open(&sealed, &passphrase("tonic")).expect("opens"),
            *message
        );
        let wrong = open(&sealed, &passphrase("Tonic")).expect_err("wrong passphrase");
        assert_eq!(wrong.to_string(), WRONG_PASSPHRASE);
        // Salt and nonce are fresh each time: two seals of one file share nothing but the header.
        let again =
            seal_with(&message, &passphrase("tonic"), CHEAP, &mut os_rng()).expect("sealed");
        assert_ne!(*sealed, *again);
        assert!(seal_with(&message, &passphrase(""), CHEAP, &mut os_rng()).is_err());
    }

    #[test]
    fn a_sealed_file_holds_the_message_its_header_names() {
        let message = model_message();
        let sealed =
            seal_with(&message, &passphrase("tonic"), CHEAP, &mut os_rng()).expect("sealed");
        assert!(holds(&sealed, &message) && holds(&message, &message));
        assert!(!holds(&sealed, &model_message()), "another model");
        assert!(!holds(b"notes", &message));
    }

    #[test]
    fn every_truncation_and_every_bit_flip_of_a_sealed_file_is_refused() {
        let sealed = seal_with(&model_message(), &passphrase("tonic"), CHEAP, &mut os_rng())
            .expect("sealed");
        let key = passphrase("tonic");
        for len in 0..sealed.len() {
            assert!(
                open(&sealed[..len], &key).is_err(),
                "truncated to {len} bytes"
            );
        }
        let mut flipped = sealed.to_vec();
        for bit in 0..(sealed.len() - 4) * 8 {
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(open(&flipped, &key).is_err(), "bit {bit} flipped");
            // Past the checksum too: the AEAD or the header's rules refuse it.
            fix_checksum(&mut flipped);
            assert!(
                open(&flipped, &key).is_err(),
                "bit {bit} flipped, checksum fixed"
            );
            flipped[bit / 8] ^= 1 << (bit % 8);
            fix_checksum(&mut flipped);
        }
        assert_eq!(flipped, *sealed);
    }

    #[test]
    fn a_sealed_file_must_hold_what_its_header_names() {
        let message = model_message();
        let key = passphrase("tonic");
        let header = SealedHeader {
            subject: Subject::Model(hecate::ModelId([9; 16])),
            kdf: CHEAP,
            salt: [1; SALT_LEN],
            nonce: [2; NONCE_LEN],
        };
        let associated_data = encode(|out| header.associated_data(out)).expect("header");
        let ciphertext = cipher(&key, &CHEAP, &header.salt)
            .expect("cipher")
            .encrypt(
                &XNonce::from(header.nonce),
                Payload {
                    msg: &message,
                    aad: &associated_data,
                },
            )
            .expect("encrypted");
        let lying = encode(|out| header.to_bytes(&ciphertext, out)).expect("sealed");
        let error = open(&lying, &key).expect_err("another model's id");
        assert!(
            error
                .to_string()
                .contains("does not hold the model it names"),
            "{error}"
        );
    }

    #[test]
    fn only_keys_and_models_are_sealed() {
        let spec = FeatureSpec::from_range(DEFAULT_FEATURE_EXPONENT, -100.0, 100.0).expect("spec");
        let (model, _) =
            Model::from_f64("y", &["x"], &[spec], &[2.5], 1.0, &mut os_rng()).expect("model");
        let card = encode(|out| model.card(&[2048])?.to_bytes(out)).expect("card");
        let error =
            seal_with(&card, &passphrase("tonic"), CHEAP, &mut os_rng()).expect_err("a card");
        assert!(error.to_string().contains("not a model card"), "{error}");
    }

    #[test]
    fn passphrase_files_give_their_first_line() {
        for bytes in [
            &b"correct horse\n"[..],
            b"correct horse\r\nsecond",
            b"correct horse",
        ] {
            let passphrase = Passphrase::from_file_bytes(bytes).expect("a passphrase");
            assert_eq!(passphrase.as_str(), "correct horse");
        }
        assert!(
            Passphrase::from_file_bytes(b"\n")
                .expect("empty")
                .is_empty()
        );
        assert!(Passphrase::from_file_bytes(b"\xff\n").is_err());
        assert_eq!(
            format!("{:?}", Passphrase::new("x".into())),
            "Passphrase(redacted)"
        );
    }

    #[test]
    fn strength_tells_weak_from_strong() {
        assert!(!strength("password").is_strong());
        assert!(strength("correct horse battery staple tonic").is_strong());
        assert!(strength("password").hint.starts_with("very weak"));
    }
}
