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
    Answer, EncryptedNumber, Error, InsecureTest1024, KeySize, Kind, MAX_MESSAGE_LEN, Model,
    ModelCard, Paillier2048, PrivateKey, PublicKey, Query, key_bits,
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
        &[40.5, -3.25],
        100.0,
        &mut common::rng(23),
    )
    .expect("model")
    .0
});

fn bytes(encode: impl Fn(&mut [u8]) -> Result<usize, Error>) -> Vec<u8> {
    let mut buffer = vec![0u8; MAX_MESSAGE_LEN];
    let len = encode(&mut buffer).expect("encodes");
    buffer.truncate(len);
    buffer
}

fn query<S: KeySize>(key: &PrivateKey<S>, values: &[f64], model: Option<&Model>) -> Query<S> {
    let public = key.public_key();
    let features = public
        .encrypt_features(values, None, &mut common::rng(24))
        .expect("features");
    Query {
        key: public.clone(),
        model: model.map(Model::id),
        names: model
            .map(|m| m.features().iter().cloned().collect())
            .unwrap_or_default(),
        features,
    }
}

fn answer<S: KeySize>(key: &PrivateKey<S>, query: &Query<S>) -> Answer<S> {
    Answer {
        fingerprint: key.public_key().fingerprint(),
        model: MODEL.id(),
        value: MODEL
            .predict(key.public_key(), &query.features, &mut common::rng(25))
            .expect("prediction"),
    }
}

/// Whether a message decodes.
type Decodes = Box<dyn Fn(&[u8]) -> bool>;

/// Every message of the small key size, with a decoder that reports only success or failure.
fn messages() -> Vec<(&'static str, Vec<u8>, Decodes)> {
    let public = KEY.public_key().clone();
    let q = query(&*KEY, &[36.0, 5.0], Some(&*MODEL));
    let a = answer(&*KEY, &q);
    let card = MODEL.card(&[1024, 2048]).expect("card");
    let key_for_answer = public.clone();
    vec![
        (
            "public key",
            bytes(|out| public.to_bytes(out)),
            Box::new(|m| PublicKey::<Small>::from_bytes(m).is_ok()),
        ),
        (
            "private key",
            bytes(|out| KEY.to_bytes(out)),
            Box::new(|m| PrivateKey::<Small>::from_bytes(m).is_ok()),
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
    ]
}

#[test]
fn every_message_round_trips() {
    let public = KEY.public_key();
    assert_eq!(
        &PublicKey::<Small>::from_bytes(&bytes(|out| public.to_bytes(out))).expect("decodes"),
        public
    );
    assert_eq!(
        PrivateKey::<Small>::from_bytes(&bytes(|out| KEY.to_bytes(out))).expect("decodes"),
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
        let q = query(&*KEY, &[-2.5, 1e-3], model);
        assert_eq!(
            Query::<Small>::from_bytes(&bytes(|out| q.to_bytes(out))).expect("decodes"),
            q
        );
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
    newer[4] = 2;
    fix_checksum(&mut newer);
    assert_eq!(
        PublicKey::<Small>::from_bytes(&newer),
        Err(Error::UnsupportedVersion(2))
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
}

#[test]
fn the_company_checks_that_a_query_fits_its_model() {
    let (other_model, _) = Model::from_f64(
        "salary",
        &["age", "eating"],
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
    let (model, _) = Model::from_f64(
        "salary",
        &["age", "healthy_eating", "active_lifestyle", "gender"],
        &[1.0, 2.0, 3.0, 4.0],
        5.0,
        &mut common::rng(28),
    )
    .expect("model");
    let q = query(&key, &[36.0, 5.0, 5.0, 1.0], Some(&model));
    let a = Answer {
        fingerprint: key.public_key().fingerprint(),
        model: model.id(),
        value: EncryptedNumber {
            ciphertext: q.features[0].ciphertext,
            exponent: -13,
        },
    };
    // header 5 + body + CRC 4; n is 256 bytes, a ciphertext 512, each with a 2-byte length.
    assert_eq!(
        bytes(|out| key.public_key().to_bytes(out)).len(),
        5 + 2 + 2 + 256 + 4
    );
    assert_eq!(
        bytes(|out| key.to_bytes(out)).len(),
        5 + 2 + 2 * (2 + 128) + 4
    );
    assert_eq!(
        bytes(|out| a.to_bytes(out)).len(),
        5 + 32 + 16 + 2 + 512 + 1 + 4
    );
    let query_len = bytes(|out| q.to_bytes(out)).len();
    // names: a count byte, then a length byte and the bytes of each name.
    let names = 1 + (1 + 3) + (1 + 14) + (1 + 16) + (1 + 6);
    assert_eq!(
        query_len,
        5 + (2 + 2 + 256) + 32 + 17 + names + 1 + 4 * (2 + 512 + 1) + 4
    );
    let card = model.card(&[2048, 3072, 4096]).expect("card");
    assert!(bytes(|out| card.to_bytes(out)).len() < 120);
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
    /// `message` with the varint byte(s) at `at..at + len` replaced by `with`, its CRC fixed.
    fn respliced(message: &[u8], at: usize, len: usize, with: &[u8]) -> Vec<u8> {
        let mut out = message[..at].to_vec();
        out.extend_from_slice(with);
        out.extend_from_slice(&message[at + len..message.len() - 4]);
        out.extend_from_slice(&[0; 4]);
        fix_checksum(&mut out);
        out
    }
    // The key size (1024: varint 80 08) right after the header, written as 80 88 00.
    let public = bytes(|out| KEY.public_key().to_bytes(out));
    assert_eq!(public[5..7], [0x80, 0x08]);
    let overlong = respliced(&public, 5, 2, &[0x80, 0x88, 0x00]);
    assert_eq!(
        PublicKey::<Small>::from_bytes(&overlong),
        Err(Error::Malformed)
    );
    assert_eq!(key_bits(&overlong), Err(Error::Malformed));
    let private = bytes(|out| KEY.to_bytes(out));
    let overlong = respliced(&private, 5, 2, &[0x80, 0x88, 0x00]);
    assert!(PrivateKey::<Small>::from_bytes(&overlong).is_err());
    // A query without names: header, bits (2), n's length (2), n (128), fingerprint (32), no
    // model (1), then the number of names, 0, written as 80 00.
    let q = query(&*KEY, &[1.0, 2.0], None);
    let message = bytes(|out| q.to_bytes(out));
    let names = 5 + 2 + 2 + 128 + 32 + 1;
    assert_eq!(message[names..names + 2], [0, 2]);
    let overlong = respliced(&message, names, 1, &[0x80, 0x00]);
    assert_eq!(Query::<Small>::from_bytes(&overlong), Err(Error::Malformed));
    // The canonical messages still decode.
    assert!(PublicKey::<Small>::from_bytes(&public).is_ok());
    assert!(Query::<Small>::from_bytes(&message).is_ok());
}
