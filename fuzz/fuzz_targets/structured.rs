//! Structure-aware: public keys, queries, answers and model cards built field by field from
//! `arbitrary` choices (the fixed keys or hostile moduli; valid encryptions or 0, 1, n, n², multiples
//! of a prime factor, n² − 1, raw bytes; right or wrong lengths, fingerprints, names, exponents,
//! versions), sealed with a correct CRC, so that every input reaches the semantic checks. An
//! independent num-bigint oracle says whether each message must be accepted, and the decoder must
//! agree exactly; what it accepts must be what was built.
#![no_main]

use std::sync::LazyLock;

use arbitrary::Arbitrary;
use hecate::{
    Answer, Ciphertext, InsecureTest1024, KeySize, ModelCard, Paillier2048, Paillier3072,
    Paillier4096, PublicKey, Query,
};
use hecate_fuzz::mirror::{AnswerBody, CardBody, FeatureBody, KeyBody, QueryBody};
use hecate_fuzz::{
    KEY_1024, KEY_2048, be_bytes, big, in_z_star_n2, rng, seal, valid_exponent, valid_name,
    valid_names,
};
use libfuzzer_sys::fuzz_target;
use num_bigint::BigUint;

/// Valid encryptions of 0..8 under each fixed key.
static CIPHERTEXTS_1024: LazyLock<Vec<Ciphertext<InsecureTest1024>>> = LazyLock::new(|| {
    let key = KEY_1024.public_key();
    (0..8)
        .map(|m| {
            key.encrypt(&hecate::Plaintext::from_u64(m), &mut rng(m))
                .expect("encrypts")
        })
        .collect()
});
static CIPHERTEXTS_2048: LazyLock<Vec<Ciphertext<Paillier2048>>> = LazyLock::new(|| {
    let key = KEY_2048.public_key();
    (0..8)
        .map(|m| {
            key.encrypt(&hecate::Plaintext::from_u64(m), &mut rng(m))
                .expect("encrypts")
        })
        .collect()
});

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Fixed {
    K1024,
    K2048,
}

#[derive(Arbitrary, Debug)]
enum Modulus {
    Fixed(Fixed),
    /// A fixed n plus a small delta (even, or a bit shorter or longer, or just another number).
    Delta(Fixed, i16),
    /// A fixed n shifted: one bit more or less.
    Shifted(Fixed, bool),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Length {
    Exact,
    Short(u8),
    Long(u8),
}

#[derive(Arbitrary, Debug)]
struct Key {
    modulus: Modulus,
    /// The bits field: right, or any.
    bits: Option<u32>,
    length: Length,
}

#[derive(Arbitrary, Debug)]
enum Cipher {
    Valid(u8),
    /// A valid one plus a small delta.
    Near(u8, i16),
    Zero,
    One,
    N,
    NSquared,
    NSquaredMinusOne,
    /// k·p for the fixed keys' p (k·n otherwise): shares a factor with n.
    MultipleOfP(u16),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Exponent {
    Small(i8),
    Edge(bool, bool),
    Any(i32),
}

impl Exponent {
    fn value(&self) -> i32 {
        match self {
            Self::Small(e) => i32::from(*e),
            Self::Edge(negative, over) => {
                let e = hecate::EXPONENT_LIMIT + i32::from(*over);
                if *negative { -e } else { e }
            }
            Self::Any(e) => *e,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Print {
    Right,
    Flipped(u8, u8),
}

#[derive(Arbitrary, Debug)]
enum Names {
    None,
    Generated(u8),
    Given(Vec<String>),
}

#[derive(Arbitrary, Debug)]
enum Input {
    PublicKey {
        key: Key,
        version: Option<u8>,
    },
    Query {
        key: Key,
        fingerprint: Print,
        model: Option<[u8; 16]>,
        names: Names,
        features: Vec<(Cipher, Exponent, Length)>,
        repeat: u8,
    },
    Answer {
        key: Fixed,
        fingerprint: Print,
        model: [u8; 16],
        ciphertext: Cipher,
        exponent: Exponent,
        length: Length,
    },
    Card {
        target: String,
        names: Names,
        weight_exponent: Exponent,
        key_sizes: Vec<u32>,
    },
}

fn fixed_n(fixed: Fixed) -> BigUint {
    match fixed {
        Fixed::K1024 => big(KEY_1024.public_key().n()),
        Fixed::K2048 => big(KEY_2048.public_key().n()),
    }
}

fn fixed_bits(fixed: Fixed) -> u32 {
    match fixed {
        Fixed::K1024 => 1024,
        Fixed::K2048 => 2048,
    }
}

/// n and its natural size in bits (of the fixed key it was derived from, or of its bytes).
fn modulus(m: &Modulus) -> (BigUint, u32) {
    match m {
        Modulus::Fixed(f) => (fixed_n(*f), fixed_bits(*f)),
        Modulus::Delta(f, delta) => {
            let n = num_bigint::BigInt::from(fixed_n(*f)) + i64::from(*delta);
            (n.to_biguint().unwrap_or_default(), fixed_bits(*f))
        }
        Modulus::Shifted(f, up) => {
            let n = fixed_n(*f);
            (
                if *up {
                    (n << 1u8) | hecate_fuzz::one()
                } else {
                    n >> 1u8
                },
                fixed_bits(*f),
            )
        }
        Modulus::Raw(bytes) => {
            let bits = u32::try_from(bytes.len() * 8).unwrap_or(u32::MAX);
            (BigUint::from_bytes_be(bytes), bits)
        }
    }
}

/// Bytes of `x` at `len` bytes, then cut or extended; and whether the length is right.
fn bytes_at(x: &BigUint, len: usize, length: &Length) -> (Vec<u8>, bool) {
    let mut bytes = be_bytes(x, len).unwrap_or_else(|| {
        // Too wide: keep the low bytes (the value is then x mod 256^len).
        let all = x.to_bytes_be();
        all[all.len() - len..].to_vec()
    });
    match length {
        Length::Exact => (bytes, true),
        Length::Short(k) => {
            let cut = usize::from(*k % 16) + 1;
            bytes.truncate(len.saturating_sub(cut));
            (bytes, false)
        }
        Length::Long(k) => {
            bytes.splice(0..0, std::iter::repeat_n(0, usize::from(*k % 16) + 1));
            (bytes, false)
        }
    }
}

/// The value of a ciphertext choice for modulus n and the fixed key it comes from, if any.
fn cipher_value(c: &Cipher, n: &BigUint, fixed: Option<Fixed>) -> BigUint {
    let n2 = n * n;
    let valid = |i: u8| match fixed {
        Some(Fixed::K1024) => big(CIPHERTEXTS_1024[usize::from(i % 8)].value()),
        Some(Fixed::K2048) => big(CIPHERTEXTS_2048[usize::from(i % 8)].value()),
        None => BigUint::from(u32::from(i) + 2),
    };
    match c {
        Cipher::Valid(i) => valid(*i),
        Cipher::Near(i, delta) => {
            let v = num_bigint::BigInt::from(valid(*i)) + i64::from(*delta);
            v.to_biguint().unwrap_or_default()
        }
        Cipher::Zero => BigUint::default(),
        Cipher::One => hecate_fuzz::one(),
        Cipher::N => n.clone(),
        Cipher::NSquared => n2,
        Cipher::NSquaredMinusOne => {
            if n2 == BigUint::default() {
                n2
            } else {
                n2 - hecate_fuzz::one()
            }
        }
        Cipher::MultipleOfP(k) => {
            let p = match fixed {
                Some(Fixed::K1024) => big(KEY_1024.primes().0),
                Some(Fixed::K2048) => big(KEY_2048.primes().0),
                None => n.clone(),
            };
            let multiple = p * (u32::from(*k) + 1);
            if n2 == BigUint::default() {
                multiple
            } else {
                multiple % n2
            }
        }
        Cipher::Raw(bytes) => BigUint::from_bytes_be(bytes),
    }
}

fn fixed_of(m: &Modulus) -> Option<Fixed> {
    match m {
        Modulus::Fixed(f) | Modulus::Delta(f, _) | Modulus::Shifted(f, _) => Some(*f),
        Modulus::Raw(_) => None,
    }
}

fn names_of(names: &Names) -> Vec<String> {
    match names {
        Names::None => Vec::new(),
        Names::Generated(k) => (0..usize::from(*k))
            .map(|i| format!("feature {i}"))
            .collect(),
        Names::Given(list) => list.clone(),
    }
}

/// The public key an n is for at size S, if it is one (the oracle: odd, exactly S::BITS bits).
fn key_for<S: KeySize>(n: &BigUint) -> Option<PublicKey<S>> {
    let ok = n.bit(0) && n.bits() == u64::from(S::BITS);
    let key = hecate_fuzz::uint::<S::N>(n).and_then(|n| PublicKey::<S>::from_n(n).ok());
    assert_eq!(
        ok,
        key.is_some(),
        "PublicKey::from_n disagrees with the oracle on {n:x}"
    );
    key
}

fn check_public_key<S: KeySize>(message: &[u8], n: &BigUint, bits: u32, right: bool) {
    let expected = right && bits == S::BITS && key_for::<S>(n).is_some();
    let decoded = PublicKey::<S>::from_bytes(message);
    assert_eq!(
        decoded.is_ok(),
        expected,
        "public key {n:x} at {bits} bits: {decoded:?}"
    );
    if let Ok(key) = decoded {
        assert_eq!(&big(key.n()), n);
    }
}

struct BuiltQuery {
    n: BigUint,
    bits: u32,
    key_length_ok: bool,
    fingerprint: [u8; 32],
    model: Option<[u8; 16]>,
    names: Vec<String>,
    features: Vec<(BigUint, i32, bool)>,
}

fn check_query<S: KeySize>(message: &[u8], q: &BuiltQuery) {
    let key = (q.key_length_ok && q.bits == S::BITS)
        .then(|| key_for::<S>(&q.n))
        .flatten();
    let expected = key.as_ref().is_some_and(|key| {
        key.fingerprint().0 == q.fingerprint
            && (q.names.is_empty() || (valid_names(&q.names) && q.names.len() == q.features.len()))
            && (1..=hecate::MAX_FEATURES).contains(&q.features.len())
            && q.features
                .iter()
                .all(|(c, e, length_ok)| *length_ok && valid_exponent(*e) && in_z_star_n2(c, &q.n))
    });
    let decoded = Query::<S>::from_bytes(message);
    assert_eq!(
        decoded.is_ok(),
        expected,
        "query at {} bits: {:?}",
        S::BITS,
        decoded.err()
    );
    if let Ok(query) = decoded {
        assert_eq!(big(query.key.n()), q.n);
        assert_eq!(query.model.map(|id| id.0), q.model);
        let names: Vec<String> = query.names.iter().map(|n| n.to_string()).collect();
        assert_eq!(names, q.names);
        for (feature, (c, e, _)) in query.features.iter().zip(&q.features) {
            assert_eq!(&big(feature.ciphertext.value()), c);
            assert_eq!(feature.exponent, *e);
        }
    }
}

fn check_answer<S: KeySize>(
    message: &[u8],
    key: &PublicKey<S>,
    print_right: bool,
    c: &BigUint,
    exponent: i32,
    length_ok: bool,
) {
    let expected =
        print_right && length_ok && valid_exponent(exponent) && in_z_star_n2(c, &big(key.n()));
    let decoded = Answer::from_bytes(message, key);
    assert_eq!(decoded.is_ok(), expected, "answer: {:?}", decoded.err());
    if let Ok(answer) = decoded {
        assert_eq!(&big(answer.value.ciphertext.value()), c);
        assert_eq!(answer.value.exponent, exponent);
    }
    hecate::fuzzing::answer(message, key);
}

fn fingerprint(print: &Print, right: Option<[u8; 32]>) -> ([u8; 32], bool) {
    let base = right.unwrap_or([0; 32]);
    match print {
        Print::Right => (base, right.is_some()),
        Print::Flipped(i, x) => {
            let mut out = base;
            out[usize::from(*i % 32)] ^= *x;
            (out, right.is_some() && *x == 0)
        }
    }
}

fn right_fingerprint(n: &BigUint, bits: u32) -> Option<[u8; 32]> {
    match bits {
        1024 => key_for::<InsecureTest1024>(n).map(|k| k.fingerprint().0),
        2048 => key_for::<Paillier2048>(n).map(|k| k.fingerprint().0),
        3072 => key_for::<Paillier3072>(n).map(|k| k.fingerprint().0),
        4096 => key_for::<Paillier4096>(n).map(|k| k.fingerprint().0),
        _ => None,
    }
}

fn key_body(key: &Key) -> (KeyBody, BigUint, u32, bool) {
    let (n, natural) = modulus(&key.modulus);
    let bits = key.bits.unwrap_or(natural);
    let width = usize::try_from(natural.div_ceil(8)).unwrap_or(0).min(1024);
    let (n_bytes, length_ok) = bytes_at(&n, width, &key.length);
    // Only an n written at exactly its size's width can be accepted.
    let length_ok = length_ok && usize::try_from(bits / 8).ok() == Some(n_bytes.len());
    let n = BigUint::from_bytes_be(&n_bytes);
    (KeyBody { bits, n: n_bytes }, n, bits, length_ok)
}

fuzz_target!(|input: Input| {
    match input {
        Input::PublicKey { key, version } => {
            let (body, n, bits, length_ok) = key_body(&key);
            let version_ok = version.is_none_or(|v| v == hecate::VERSION);
            let message = seal(b'P', version.unwrap_or(hecate::VERSION), &body);
            let right = length_ok && version_ok;
            check_public_key::<InsecureTest1024>(&message, &n, bits, right);
            check_public_key::<Paillier2048>(&message, &n, bits, right);
            check_public_key::<Paillier3072>(&message, &n, bits, right);
            check_public_key::<Paillier4096>(&message, &n, bits, right);
            hecate::fuzzing::public_key(&message);
        }
        Input::Query {
            key,
            fingerprint: print,
            model,
            names,
            features,
            repeat,
        } => {
            let (body, n, bits, key_length_ok) = key_body(&key);
            let right = key_length_ok.then(|| right_fingerprint(&n, bits)).flatten();
            let (fingerprint, _) = fingerprint(&print, right);
            let fixed = fixed_of(&key.modulus);
            let width = usize::try_from(bits / 4).unwrap_or(0).min(1024);
            let mut built = Vec::new();
            let mut bodies = Vec::new();
            // `repeat` copies of the list, so that the feature limit is reachable.
            let copies = usize::from(repeat % 8) + 1;
            for (cipher, exponent, length) in features.iter().cycle().take(features.len() * copies)
            {
                let value = cipher_value(cipher, &n, fixed);
                let (bytes, length_ok) = bytes_at(&value, width, length);
                let exponent = exponent.value();
                built.push((BigUint::from_bytes_be(&bytes), exponent, length_ok));
                bodies.push(FeatureBody {
                    ciphertext: bytes,
                    exponent,
                });
            }
            if built.len() > hecate::MAX_FEATURES + 2 {
                return;
            }
            let names = names_of(&names);
            if names.len() > hecate::MAX_FEATURES {
                return;
            }
            let message = seal(
                b'Q',
                hecate::VERSION,
                &QueryBody {
                    key: body,
                    fingerprint,
                    model,
                    names: names.clone(),
                    features: bodies,
                },
            );
            let q = BuiltQuery {
                n,
                bits,
                key_length_ok,
                fingerprint,
                model,
                names,
                features: built,
            };
            check_query::<InsecureTest1024>(&message, &q);
            check_query::<Paillier2048>(&message, &q);
            check_query::<Paillier3072>(&message, &q);
            check_query::<Paillier4096>(&message, &q);
            hecate::fuzzing::query(&message);
        }
        Input::Answer {
            key,
            fingerprint: print,
            model,
            ciphertext,
            exponent,
            length,
        } => {
            let n = fixed_n(key);
            let width = usize::try_from(fixed_bits(key) / 4).unwrap_or(0);
            let right = right_fingerprint(&n, fixed_bits(key));
            let (fingerprint, print_right) = fingerprint(&print, right);
            let value = cipher_value(&ciphertext, &n, Some(key));
            let (bytes, length_ok) = bytes_at(&value, width, &length);
            let c = BigUint::from_bytes_be(&bytes);
            let exponent = exponent.value();
            let message = seal(
                b'A',
                hecate::VERSION,
                &AnswerBody {
                    fingerprint,
                    model,
                    ciphertext: bytes,
                    exponent,
                },
            );
            match key {
                Fixed::K1024 => {
                    check_answer(
                        &message,
                        KEY_1024.public_key(),
                        print_right,
                        &c,
                        exponent,
                        length_ok,
                    );
                    // Never for the other key.
                    assert!(Answer::from_bytes(&message, KEY_2048.public_key()).is_err());
                }
                Fixed::K2048 => {
                    check_answer(
                        &message,
                        KEY_2048.public_key(),
                        print_right,
                        &c,
                        exponent,
                        length_ok,
                    );
                    assert!(Answer::from_bytes(&message, KEY_1024.public_key()).is_err());
                }
            }
        }
        Input::Card {
            target,
            names,
            weight_exponent,
            key_sizes,
        } => {
            let features = names_of(&names);
            if features.len() > hecate::MAX_FEATURES || key_sizes.len() > 4 {
                return;
            }
            let weight_exponent = weight_exponent.value();
            let message = seal(
                b'C',
                hecate::VERSION,
                &CardBody {
                    id: [7; 16],
                    target: target.clone(),
                    features: features.clone(),
                    weight_exponent,
                    key_sizes: key_sizes.clone(),
                },
            );
            let decoded = ModelCard::from_bytes(&message);
            let sizes_ok = !key_sizes.is_empty()
                && key_sizes.iter().enumerate().all(|(i, bits)| {
                    [1024, 2048, 3072, 4096].contains(bits) && !key_sizes[..i].contains(bits)
                });
            let expected = valid_names(&features)
                && valid_name(&target)
                && valid_exponent(weight_exponent)
                && sizes_ok;
            assert_eq!(decoded.is_ok(), expected, "card: {:?}", decoded.err());
            if let Ok(card) = decoded {
                assert_eq!(card.target(), target);
                assert_eq!(card.key_sizes(), key_sizes.as_slice());
                assert_eq!(card.weight_exponent(), weight_exponent);
            }
            hecate::fuzzing::model_card(&message);
        }
    }
});
