//! The wire format: round trips of every message, every truncation and every bit flip of small
//! messages refused, semantic rules checked behind a valid checksum, and message sizes.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests panic to fail"
)]

mod common;

use std::sync::LazyLock;

use hecate::fuzzing::fix_checksum;
use hecate::{
    Answer, DEFAULT_FEATURE_EXPONENT, Error, FeatureSpec, InsecureTest1024, KEY_PROOF_ROUNDS,
    KdfParams, KeySize, Kind, MAX_MESSAGE_LEN, Model, ModelCard, Paillier2048, PrivateKey,
    PublicKey, Query, Sealed, SealedHeader, Subject, key_bits, public_key_with_proof,
    query_fingerprint,
};

type Small = InsecureTest1024;

static KEY: LazyLock<PrivateKey<Small>> =
    LazyLock::new(|| PrivateKey::generate(&mut common::rng(21)).expect("keygen"));
static OTHER: LazyLock<PrivateKey<Small>> =
    LazyLock::new(|| PrivateKey::generate(&mut common::rng(22)).expect("keygen"));
static MODEL: LazyLock<Model> = LazyLock::new(|| {
    Model::from_f64(
        "salary",
        &["age", "eating"],
        &specs(2),
        &[40.5, -3.25],
        100.0,
        &mut common::rng(23),
    )
    .expect("model")
    .0
});

/// `count` features at the default exponent, declared in ±1000.
fn specs(count: usize) -> Vec<FeatureSpec> {
    vec![FeatureSpec::from_range(DEFAULT_FEATURE_EXPONENT, -1000.0, 1000.0).expect("spec"); count]
}

fn bytes(encode: impl Fn(&mut [u8]) -> Result<usize, Error>) -> Vec<u8> {
    let mut buffer = vec![0u8; MAX_MESSAGE_LEN];
    let len = encode(&mut buffer).expect("encodes");
    buffer.truncate(len);
    buffer
}

/// A query with the key's proof, its features at the default exponent (which the models here
/// use).
fn query<S: KeySize>(key: &PrivateKey<S>, values: &[f64], model: Option<&Model>) -> Query<S> {
    let public = key.public_key();
    let features = public
        .encrypt_features(values, DEFAULT_FEATURE_EXPONENT, &mut common::rng(24))
        .expect("features");
    Query {
        key: public.clone(),
        proof: Some(key.prove_key().expect("proof")),
        model: model.map(Model::id),
        names: model
            .map(|m| m.features().iter().cloned().collect())
            .unwrap_or_default(),
        features,
    }
}

fn answer<S: KeySize>(key: &PrivateKey<S>, query: &Query<S>) -> Answer<S> {
    let answer = MODEL
        .answer(query, &mut common::rng(25))
        .expect("prediction");
    assert_eq!(answer.fingerprint, key.public_key().fingerprint());
    answer
}

/// A sealed header for the small key (the core writes and reads the envelope; sealing itself is
/// hecate-app's).
fn sealed_header(kdf: KdfParams) -> SealedHeader {
    SealedHeader {
        subject: Subject::PrivateKey(KEY.public_key().fingerprint()),
        kdf,
        salt: [3; 16],
        nonce: [5; 24],
    }
}

const SMALL_KDF: KdfParams = KdfParams {
    memory_kib: 64,
    passes: 1,
    lanes: 1,
};

/// Whether a message decodes.
type Decodes = Box<dyn Fn(&[u8]) -> bool>;

/// Every message of the small key size, with a decoder that reports only success or failure.
fn messages() -> Vec<(&'static str, Vec<u8>, Decodes)> {
    let public = KEY.public_key().clone();
    let q = query(&*KEY, &[36.0, 5.0], Some(&*MODEL));
    let a = answer(&*KEY, &q);
    let card = MODEL.card(&[1024, 2048]).expect("card");
    let key_for_answer = public.clone();
    let proof = KEY.prove_key().expect("proof");
    vec![
        (
            "public key",
            bytes(|out| public.to_bytes(out)),
            Box::new(|m| PublicKey::<Small>::from_bytes(m).is_ok()),
        ),
        (
            "public key with proof",
            bytes(|out| public.to_bytes_with_proof(&proof, out)),
            Box::new(|m| public_key_with_proof::<Small>(m).is_ok()),
        ),
        (
            "private key",
            bytes(|out| KEY.to_bytes(out)),
            Box::new(|m| PrivateKey::<Small>::from_bytes(m, &mut common::rng(1)).is_ok()),
        ),
        (
            "model card",
            bytes(|out| card.to_bytes(out)),
            Box::new(|m| ModelCard::from_bytes(m).is_ok()),
        ),
        (
            "model",
            bytes(|out| MODEL.to_bytes(out)),
            Box::new(|m| Model::from_bytes(m).is_ok()),
        ),
        (
            "query",
            bytes(|out| q.to_bytes(out)),
            Box::new(|m| Query::<Small>::from_bytes(m).is_ok()),
        ),
        (
            "answer",
            bytes(|out| a.to_bytes(out)),
            Box::new(move |m| Answer::from_bytes(m, &key_for_answer).is_ok()),
        ),
        (
            "sealed private key",
            bytes(|out| sealed_header(SMALL_KDF).to_bytes(&[7; 48], out)),
            Box::new(|m| Sealed::from_bytes(m).is_ok()),
        ),
    ]
}

#[test]
fn a_private_key_message_names_its_key_without_opening_it() {
    let message = bytes(|out| KEY.to_bytes(out));
    assert_eq!(
        PrivateKey::<Small>::fingerprint_of(&message),
        Ok(KEY.public_key().fingerprint())
    );
    let public = bytes(|out| KEY.public_key().to_bytes(out));
    assert!(PrivateKey::<Small>::fingerprint_of(&public).is_err());
    assert_eq!(
        PrivateKey::<Paillier2048>::fingerprint_of(&message),
        Err(Error::InvalidKeySize)
    );
}

#[test]
fn sealed_messages_bind_their_header_and_bound_their_costs() {
    let header = sealed_header(SMALL_KDF);
    let message = bytes(|out| header.to_bytes(&[7; 48], out));
    let sealed = Sealed::from_bytes(&message).expect("decodes");
    assert_eq!(sealed.header, header);
    assert_eq!(sealed.ciphertext, [7; 48]);
    assert_eq!(
        sealed.associated_data,
        bytes(|out| header.associated_data(out)).as_slice()
    );
    assert!(message.starts_with(sealed.associated_data));
    assert_eq!(Kind::of(&message), Ok(Kind::Sealed));
    let model = SealedHeader {
        subject: Subject::Model(MODEL.id()),
        ..header
    };
    let sealed_model = bytes(|out| model.to_bytes(&[7; 48], out));
    assert_eq!(
        Sealed::from_bytes(&sealed_model).expect("decodes").header,
        model
    );

    // Costs a crafted file could exhaust a machine with, or Argon2 refuses, are refused when read
    // as when written.
    let costs = |memory_kib, passes, lanes| KdfParams {
        memory_kib,
        passes,
        lanes,
    };
    for kdf in [
        costs(64 * 1024 * 1024, 3, 4),
        costs(KdfParams::MAX_MEMORY_KIB + 1, 1, 1),
        costs(65536, 1_000_000_000, 1),
        costs(65536, 0, 1),
        costs(65536, 3, 0),
        costs(65536, 3, 255),
        costs(65536, 3, u32::MAX),
        costs(31, 3, 4),
        costs(KdfParams::MAX_MEMORY_KIB, 5, 4),
        costs(KdfParams::MAX_MEMORY_KIB / 4, KdfParams::MAX_PASSES + 1, 4),
    ] {
        assert_eq!(
            sealed_header(kdf).to_bytes(&[7; 48], &mut [0; 4096]),
            Err(Error::KdfParamsOutOfBounds),
            "{kdf:?} written"
        );
        let mut crafted = message.clone();
        let at = find(&crafted, &[64, 1, 1, 3, 3]);
        let mut costs = Vec::new();
        for value in [kdf.memory_kib, kdf.passes, kdf.lanes] {
            let mut value = value;
            loop {
                let byte = (value & 0x7f) as u8;
                value >>= 7;
                if value == 0 {
                    costs.push(byte);
                    break;
                }
                costs.push(byte | 0x80);
            }
        }
        crafted.splice(at..at + 3, costs);
        fix_checksum(&mut crafted);
        assert_eq!(
            Sealed::from_bytes(&crafted),
            Err(Error::KdfParamsOutOfBounds),
            "{kdf:?} read"
        );
    }
    for bound in [
        costs(KdfParams::MAX_MEMORY_KIB, 4, KdfParams::MAX_LANES),
        costs(KdfParams::MAX_MEMORY_KIB / 4, KdfParams::MAX_PASSES, 1),
        costs(8, 1, 1),
    ] {
        assert_eq!(bound.check(), Ok(()), "{bound:?}");
    }
    // A ciphertext shorter than a tag holds nothing.
    assert_eq!(
        header.to_bytes(&[7; 16], &mut [0; 4096]),
        Err(Error::Malformed)
    );
}

#[test]
fn every_message_round_trips() {
    let public = KEY.public_key();
    let bare = bytes(|out| public.to_bytes(out));
    assert_eq!(
        &PublicKey::<Small>::from_bytes(&bare).expect("decodes"),
        public
    );
    assert_eq!(
        public_key_with_proof::<Small>(&bare).expect("decodes"),
        (public.clone(), None)
    );
    // The fingerprint is the SHA-256 of the bare key, never of the proof.
    assert_eq!(bare[4], 1);
    let proof = KEY.prove_key().expect("proof");
    let proven = bytes(|out| public.to_bytes_with_proof(&proof, out));
    assert_eq!(proven[4], Kind::PublicKey.version());
    assert_eq!(
        public_key_with_proof::<Small>(&proven).expect("decodes"),
        (public.clone(), Some(proof.clone()))
    );
    assert_eq!(
        &PublicKey::<Small>::from_bytes(&proven).expect("decodes"),
        public
    );
    assert_eq!(key_bits(&proven), Ok(1024));
    assert_eq!(proof.verify(public), Ok(()));
    assert_eq!(
        PrivateKey::<Small>::from_bytes(&bytes(|out| KEY.to_bytes(out)), &mut common::rng(2))
            .expect("decodes"),
        *KEY
    );
    let card = MODEL.card(&[2048, 3072]).expect("card");
    assert_eq!(
        ModelCard::from_bytes(&bytes(|out| card.to_bytes(out))).expect("decodes"),
        card
    );
    assert_eq!(
        Model::from_bytes(&bytes(|out| MODEL.to_bytes(out))).expect("decodes"),
        *MODEL
    );
    for model in [None, Some(&*MODEL)] {
        for proven in [true, false] {
            let mut q = query(&*KEY, &[-2.5, 1e-3], model);
            if !proven {
                q.proof = None;
            }
            let message = bytes(|out| q.to_bytes(out));
            let decoded = Query::<Small>::from_bytes(&message).expect("decodes");
            assert_eq!(decoded, q);
            assert_eq!(query_fingerprint(&message), Ok(q.key.fingerprint()));
            assert_eq!(decoded.verify_key().is_ok(), proven);
        }
    }
    let q = query(&*KEY, &[36.0, 5.0], Some(&*MODEL));
    let a = answer(&*KEY, &q);
    assert_eq!(
        Answer::from_bytes(&bytes(|out| a.to_bytes(out)), public).expect("decodes"),
        a
    );
}

#[test]
fn every_truncation_and_every_bit_flip_is_refused() {
    for (what, message, decodes) in messages() {
        assert!(decodes(&message), "{what} decodes");
        for len in 0..message.len() {
            assert!(!decodes(&message[..len]), "{what} truncated to {len} bytes");
        }
        let mut flipped = message.clone();
        for bit in 0..message.len() * 8 {
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(!decodes(&flipped), "{what} with bit {bit} flipped");
            flipped[bit / 8] ^= 1 << (bit % 8);
        }
        let mut longer = message.clone();
        longer.push(0);
        assert!(!decodes(&longer), "{what} with a trailing byte");
    }
}

#[test]
fn the_envelope_says_what_is_wrong() {
    let message = bytes(|out| KEY.public_key().to_bytes(out));
    assert_eq!(
        PublicKey::<Small>::from_bytes(&message[..3]),
        Err(Error::Truncated)
    );
    assert_eq!(
        PublicKey::<Small>::from_bytes(b"PK\x03\x04 not hecate"),
        Err(Error::NotHecate)
    );
    assert_eq!(
        ModelCard::from_bytes(&message),
        Err(Error::WrongKind {
            expected: Kind::ModelCard,
            found: Kind::PublicKey
        })
    );
    let mut newer = message.clone();
    newer[4] = 3;
    fix_checksum(&mut newer);
    assert_eq!(
        PublicKey::<Small>::from_bytes(&newer),
        Err(Error::UnsupportedVersion(3))
    );
    // Versions are per kind: the one this build writes, and for public keys also version 1 (no
    // proof). Anything else, older or newer, is refused behind a valid checksum.
    assert_eq!(Kind::PrivateKey.version(), 1);
    for kind in [
        Kind::PublicKey,
        Kind::ModelCard,
        Kind::Query,
        Kind::Answer,
        Kind::Model,
    ] {
        assert_eq!(kind.version(), 2, "{kind:?}");
    }
    for (what, message, decodes) in messages() {
        let kind = Kind::of(&message).expect("a kind");
        let written = message[4];
        if what == "public key" {
            assert_eq!(written, 1);
        } else {
            assert_eq!(written, kind.version(), "{what}");
        }
        for version in [0, 1, 2, 3, 255] {
            let mut other = message.clone();
            other[4] = version;
            fix_checksum(&mut other);
            if version == written {
                assert!(decodes(&other), "{what} at version {version}");
            } else {
                assert!(!decodes(&other), "{what} read at version {version}");
            }
        }
    }
    // A version 1 query (the format before proofs and masks) is refused for its version.
    let mut old = bytes(|out| query(&*KEY, &[1.0, 2.0], None).to_bytes(out));
    old[4] = 1;
    fix_checksum(&mut old);
    assert_eq!(
        Query::<Small>::from_bytes(&old),
        Err(Error::UnsupportedVersion(1))
    );
    let mut damaged = message.clone();
    damaged[40] ^= 0x10;
    assert_eq!(
        PublicKey::<Small>::from_bytes(&damaged),
        Err(Error::Corrupted)
    );
    assert_eq!(Kind::of(&message), Ok(Kind::PublicKey));
    assert_eq!(key_bits(&message), Ok(1024));
    assert_eq!(
        PublicKey::<Paillier2048>::from_bytes(&message),
        Err(Error::InvalidKeySize)
    );
}

/// Position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("present")
}

#[test]
fn rules_behind_a_valid_checksum_are_checked() {
    let public = KEY.public_key();
    // An even modulus: the last byte of n is its low byte.
    let mut message = bytes(|out| public.to_bytes(out));
    let n_end = message.len() - 4;
    message[n_end - 1] ^= 1;
    fix_checksum(&mut message);
    assert_eq!(
        PublicKey::<Small>::from_bytes(&message),
        Err(Error::EvenModulus)
    );

    // A query ciphertext of zero is not in Z*_{n²}.
    let q = query(&*KEY, &[1.0, 2.0], None);
    let mut message = bytes(|out| q.to_bytes(out));
    let mut c = [0u8; 256];
    q.features[0]
        .ciphertext
        .value()
        .as_limbs()
        .iter()
        .rev()
        .flat_map(|l| l.0.to_be_bytes())
        .enumerate()
        .for_each(|(i, b)| c[i] = b);
    let at = find(&message, &c);
    message[at..at + 256].fill(0);
    fix_checksum(&mut message);
    assert_eq!(
        Query::<Small>::from_bytes(&message),
        Err(Error::InvalidCiphertext)
    );

    // A query whose fingerprint is not its key's.
    let mut message = bytes(|out| q.to_bytes(out));
    let fingerprint = public.fingerprint().0;
    let at = find(&message, &fingerprint);
    message[at] ^= 1;
    fix_checksum(&mut message);
    assert_eq!(
        Query::<Small>::from_bytes(&message),
        Err(Error::FingerprintMismatch)
    );

    // An answer for another key is refused by the customer.
    let theirs = query(&*OTHER, &[36.0, 5.0], Some(&*MODEL));
    let message = bytes(|out| answer(&*OTHER, &theirs).to_bytes(out));
    assert_eq!(
        Answer::from_bytes(&message, public),
        Err(Error::KeyMismatch)
    );
    assert_eq!(Error::KeyMismatch.to_string(), "answer is for another key");

    // An answer's mask must leave room below n: 1 ≤ μ ≤ bits − 2. After the header, the
    // fingerprint (32) and the model (16) comes μ.
    let q = query(&*KEY, &[36.0, 5.0], Some(&*MODEL));
    let a = answer(&*KEY, &q);
    let message = bytes(|out| a.to_bytes(out));
    let at = 5 + 32 + 16;
    assert!(a.mask_bits < 128);
    assert_eq!(u32::from(message[at]), a.mask_bits);
    for mask_bits in [0, 1023, 1024, 5000] {
        let mut with = Vec::new();
        varint(&mut with, mask_bits);
        let changed = respliced(&message, at, 1, &with);
        assert_eq!(
            Answer::from_bytes(&changed, public),
            Err(Error::Malformed),
            "mask of {mask_bits} bits"
        );
    }
    for mask_bits in [1, 1022] {
        let mut with = Vec::new();
        varint(&mut with, mask_bits);
        let changed = respliced(&message, at, 1, &with);
        assert_eq!(
            Answer::from_bytes(&changed, public).map(|a| a.mask_bits),
            Ok(u32::try_from(mask_bits).expect("small"))
        );
    }

    // A key with another key's proof decodes (the proof's values are checked by `verify`), and
    // does not verify; nor does a query carrying it get an answer.
    let theirs = OTHER.prove_key().expect("proof");
    let message = bytes(|out| public.to_bytes_with_proof(&theirs, out));
    let (key, proof) = public_key_with_proof::<Small>(&message).expect("decodes");
    assert_eq!(&key, public);
    let proof = proof.expect("a proof");
    assert_eq!(proof, theirs);
    assert_eq!(proof.verify(public), Err(Error::InvalidKeyProof));
    let mut q = query(&*KEY, &[36.0, 5.0], Some(&*MODEL));
    q.proof = Some(proof);
    let received = Query::<Small>::from_bytes(&bytes(|out| q.to_bytes(out))).expect("decodes");
    assert_eq!(received.verify_key(), Err(Error::InvalidKeyProof));
    assert_eq!(
        MODEL.answer(&received, &mut common::rng(29)),
        Err(Error::InvalidKeyProof)
    );

    // A proof with a root too few: bits (2), n (2 + 128), the root count, then the roots.
    let message = bytes(|out| public.to_bytes_with_proof(&KEY.prove_key().expect("proof"), out));
    let count = 5 + 2 + 2 + 128;
    assert_eq!(usize::from(message[count]), KEY_PROOF_ROUNDS);
    let mut short = message[..message.len() - 4 - (2 + 128)].to_vec();
    short[count] -= 1;
    short.extend_from_slice(&[0; 4]);
    fix_checksum(&mut short);
    assert_eq!(
        public_key_with_proof::<Small>(&short),
        Err(Error::KeyProofLength)
    );
    assert_eq!(
        PublicKey::<Small>::from_bytes(&short),
        Err(Error::KeyProofLength)
    );
}

#[test]
fn the_company_checks_that_a_query_fits_its_model() {
    let (other_model, _) = Model::from_f64(
        "salary",
        &["age", "eating"],
        &specs(2),
        &[1.0, 1.0],
        0.0,
        &mut common::rng(26),
    )
    .expect("model");
    let for_other = query(&*KEY, &[1.0, 2.0], Some(&other_model));
    assert_eq!(MODEL.check_query(&for_other), Err(Error::ModelMismatch));
    let anonymous = query(&*KEY, &[1.0, 2.0], None);
    assert_eq!(MODEL.check_query(&anonymous), Ok(()));
    let mut renamed = query(&*KEY, &[1.0, 2.0], None);
    renamed.names = ["eating", "age"]
        .iter()
        .map(|n| (*n).try_into().expect("name"))
        .collect();
    assert_eq!(
        MODEL.check_query(&renamed),
        Err(Error::FeatureNamesMismatch)
    );
    let short = query(&*KEY, &[1.0], None);
    assert_eq!(
        MODEL.check_query(&short),
        Err(Error::FeatureCountMismatch {
            expected: 2,
            actual: 1
        })
    );
    // A query with no features does not decode.
    let mut empty = query(&*KEY, &[1.0], None);
    empty.features.clear();
    assert_eq!(
        Query::<Small>::from_bytes(&bytes(|out| empty.to_bytes(out))),
        Err(Error::NoFeatures)
    );
}

#[test]
fn message_sizes_at_2048_bits_with_four_features() {
    let key = PrivateKey::<Paillier2048>::generate(&mut common::rng(27)).expect("keygen");
    let specs = specs(4);
    let (model, _) = Model::from_f64(
        "salary",
        &["age", "healthy_eating", "active_lifestyle", "gender"],
        &specs,
        &[1.0, 2.0, 3.0, 4.0],
        5.0,
        &mut common::rng(28),
    )
    .expect("model");
    let q = query(&key, &[36.0, 5.0, 5.0, 1.0], Some(&model));
    let a = model.answer(&q, &mut common::rng(29)).expect("answer");
    // Small enough for one-byte varints: the mask length and the answer's exponent.
    assert!(a.mask_bits < 128 && (-64..64).contains(&a.value.exponent));
    // header 5 + body + CRC 4; n is 256 bytes, a ciphertext 512, each with a 2-byte length.
    assert_eq!(
        bytes(|out| key.public_key().to_bytes(out)).len(),
        5 + 2 + 2 + 256 + 4
    );
    // With the proof: a count byte and KEY_PROOF_ROUNDS roots of n's width.
    let proof = 1 + KEY_PROOF_ROUNDS * (2 + 256);
    assert_eq!(
        bytes(|out| key
            .public_key()
            .to_bytes_with_proof(&key.prove_key().expect("proof"), out))
        .len(),
        5 + 2 + 2 + 256 + proof + 4
    );
    assert_eq!(
        bytes(|out| key.to_bytes(out)).len(),
        5 + 2 + 2 * (2 + 128) + 4
    );
    assert_eq!(
        bytes(|out| a.to_bytes(out)).len(),
        5 + 32 + 16 + 1 + 2 + 512 + 1 + 4
    );
    let query_len = bytes(|out| q.to_bytes(out)).len();
    // names: a count byte, then a length byte and the bytes of each name.
    let names = 1 + (1 + 3) + (1 + 14) + (1 + 16) + (1 + 6);
    // The proof is optional: a tag byte before it.
    assert_eq!(
        query_len,
        5 + (2 + 2 + 256) + 32 + (1 + proof) + 17 + names + 1 + 4 * (2 + 512 + 1) + 4
    );
    let mut unproven = q.clone();
    unproven.proof = None;
    assert_eq!(bytes(|out| unproven.to_bytes(out)).len(), query_len - proof);
    // A card: id, target, names, then per feature its exponent and range (zigzag varints), the
    // weights' exponent and bit lengths, the key sizes.
    let card = model.card(&[2048, 3072, 4096]).expect("card");
    let mut encoding = Vec::new();
    varint(&mut encoding, 4);
    for spec in card.specs() {
        let (low, high) = spec.mantissas();
        signed(&mut encoding, spec.exponent().into());
        signed(&mut encoding, low);
        signed(&mut encoding, high);
    }
    signed(&mut encoding, card.weight_exponent().into());
    varint(&mut encoding, card.weight_bits().into());
    varint(&mut encoding, card.intercept_bits().into());
    let names = 1 + (1 + 3) + (1 + 14) + (1 + 16) + (1 + 6);
    assert_eq!(
        bytes(|out| card.to_bytes(out)).len(),
        5 + 16 + (1 + 6) + names + encoding.len() + (1 + 3 * 2) + 4
    );
    // ±1000 · 2^32, zigzagged, has 43 bits: 7 varint bytes, 15 per feature.
    assert_eq!(encoding.len(), 1 + 4 * 15 + 3);
}

#[test]
fn ids_print_in_hex_shortened_by_precision() {
    let id = hecate::ModelId([0xa5; 16]);
    let fingerprint = hecate::Fingerprint([0x3c; 32]);
    assert_eq!(id.to_string(), "a5".repeat(16));
    assert_eq!(fingerprint.to_string(), "3c".repeat(32));
    assert_eq!(format!("{id:.8}"), "a5a5a5a5");
    assert_eq!(format!("{fingerprint:.5}"), "3c3c3");
    assert_eq!(format!("{id:.99}"), "a5".repeat(16));
}

/// Found by fuzz/: postcard reads a varint with a redundant continuation byte, so a message had
/// several encodings and a public key file's SHA-256 was not necessarily its fingerprint. Only
/// the encoding Hecate writes is accepted.
#[test]
fn only_the_canonical_encoding_is_accepted() {
    // The key size (1024: varint 80 08) right after the header, written as 80 88 00.
    let public = bytes(|out| KEY.public_key().to_bytes(out));
    assert_eq!(public[5..7], [0x80, 0x08]);
    let overlong = respliced(&public, 5, 2, &[0x80, 0x88, 0x00]);
    assert_eq!(
        PublicKey::<Small>::from_bytes(&overlong),
        Err(Error::Malformed)
    );
    assert_eq!(key_bits(&overlong), Err(Error::Malformed));
    let proven = bytes(|out| {
        KEY.public_key()
            .to_bytes_with_proof(&KEY.prove_key().expect("proof"), out)
    });
    assert_eq!(proven[5..7], [0x80, 0x08]);
    let overlong = respliced(&proven, 5, 2, &[0x80, 0x88, 0x00]);
    assert_eq!(
        public_key_with_proof::<Small>(&overlong),
        Err(Error::Malformed)
    );
    let private = bytes(|out| KEY.to_bytes(out));
    let overlong = respliced(&private, 5, 2, &[0x80, 0x88, 0x00]);
    assert!(PrivateKey::<Small>::from_bytes(&overlong, &mut common::rng(3)).is_err());
    // A query without names: header, bits (2), n's length (2), n (128), fingerprint (32), the
    // proof (tag, count, roots), no model (1), then the number of names, 0, written as 80 00.
    let q = query(&*KEY, &[1.0, 2.0], None);
    let message = bytes(|out| q.to_bytes(out));
    let names = 5 + 2 + 2 + 128 + 32 + (1 + 1 + KEY_PROOF_ROUNDS * (2 + 128)) + 1;
    assert_eq!(message[names..names + 2], [0, 2]);
    let overlong = respliced(&message, names, 1, &[0x80, 0x00]);
    assert_eq!(Query::<Small>::from_bytes(&overlong), Err(Error::Malformed));
    // The canonical messages still decode.
    assert!(PublicKey::<Small>::from_bytes(&public).is_ok());
    assert!(Query::<Small>::from_bytes(&message).is_ok());
}

/// `message` with the bytes at `at..at + len` replaced by `with`, its CRC fixed.
fn respliced(message: &[u8], at: usize, len: usize, with: &[u8]) -> Vec<u8> {
    let mut out = message[..at].to_vec();
    out.extend_from_slice(with);
    out.extend_from_slice(&message[at + len..message.len() - 4]);
    out.extend_from_slice(&[0; 4]);
    fix_checksum(&mut out);
    out
}

/// postcard's varint.
fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(u8::try_from(value & 0x7f).expect("7 bits") | 0x80);
        value >>= 7;
    }
    out.push(u8::try_from(value).expect("7 bits"));
}

/// postcard's zigzag varint of a signed integer.
fn signed(out: &mut Vec<u8>, value: i64) {
    varint(out, ((value << 1) ^ (value >> 63)).cast_unsigned());
}
