//! Structure-aware: public keys, queries, answers and model cards built field by field from
//! `arbitrary` choices (the fixed keys or hostile moduli; key proofs that are a fixed key's own,
//! changed, short, long or raw; valid encryptions or 0, 1, n, n², multiples of a prime factor,
//! n² − 1, raw bytes; right or wrong lengths, fingerprints, names, exponents, masks, feature specs,
//! weight and intercept lengths, versions), sealed with a correct CRC, so that every input reaches the semantic checks. An
//! independent num-bigint oracle says whether each message must be accepted, and the decoder must
//! agree exactly; what it accepts must be what was built.
#![no_main]

use std::sync::LazyLock;

use arbitrary::Arbitrary;
use hecate::{
    Answer, Ciphertext, FeatureSpec, InsecureTest1024, Integer as _, KEY_PROOF_ROUNDS, KeySize,
    ModelCard, Paillier2048, Paillier3072, Paillier4096, PublicKey, Query,
};
use hecate_fuzz::mirror::{
    AnswerBody, CardBody, FeatureBody, KeyBody, ProvenKeyBody, QueryBody, SpecBody,
};
use hecate_fuzz::{
    KEY_1024, KEY_2048, PROOF_1024, PROOF_2048, be_bytes, big, in_z_star_n2, mask_bits_oracle, rng,
    seal, valid_exponent, valid_name, valid_names,
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

/// A key proof's roots.
#[derive(Arbitrary, Debug)]
enum Proof {
    /// A fixed key's own proof (whatever n the message carries).
    Own(Fixed),
    /// A fixed key's proof with one root replaced by a small number.
    Changed(Fixed, u8, u16),
    /// A fixed key's proof with its last root dropped, or one root too many.
    Count(Fixed, bool),
    /// A fixed key's proof with one root written at a wrong length.
    Length(Fixed, u8, Length),
    Raw(Vec<Vec<u8>>),
}

/// Built roots: their bytes, whether they are a fixed key's own proof untouched (and whose).
struct BuiltProof {
    roots: Vec<Vec<u8>>,
    own: Option<Fixed>,
}

impl BuiltProof {
    /// The oracle for decoding at `bits`: exactly KEY_PROOF_ROUNDS roots of n's width.
    fn decodes_at(&self, bits: u32) -> bool {
        self.roots.len() == KEY_PROOF_ROUNDS
            && self
                .roots
                .iter()
                .all(|root| u32::try_from(root.len()).ok() == Some(bits / 8))
    }

    /// The oracle for verifying under n: only a fixed key's own proof, for that key's n.
    fn verifies_for(&self, n: &BigUint) -> bool {
        self.own.is_some_and(|fixed| fixed_n(fixed) == *n)
    }
}

fn fixed_roots(fixed: Fixed) -> Vec<Vec<u8>> {
    fn bytes<S: KeySize>(roots: &[S::N]) -> Vec<Vec<u8>> {
        roots
            .iter()
            .map(|root| be_bytes(&big(root), S::N::BYTES).expect("a root fits n's width"))
            .collect()
    }
    match fixed {
        Fixed::K1024 => bytes::<InsecureTest1024>(PROOF_1024.roots()),
        Fixed::K2048 => bytes::<Paillier2048>(PROOF_2048.roots()),
    }
}

fn proof_roots(proof: &Proof) -> BuiltProof {
    match proof {
        Proof::Own(fixed) => BuiltProof {
            roots: fixed_roots(*fixed),
            own: Some(*fixed),
        },
        Proof::Changed(fixed, i, value) => {
            let mut roots = fixed_roots(*fixed);
            let i = usize::from(*i) % roots.len();
            let width = roots[i].len();
            roots[i] = be_bytes(&BigUint::from(*value), width).expect("small");
            BuiltProof { roots, own: None }
        }
        Proof::Count(fixed, more) => {
            let mut roots = fixed_roots(*fixed);
            if *more {
                roots.push(roots[0].clone());
            } else {
                roots.pop();
            }
            BuiltProof { roots, own: None }
        }
        Proof::Length(fixed, i, length) => {
            let mut roots = fixed_roots(*fixed);
            let i = usize::from(*i) % roots.len();
            let width = roots[i].len();
            let (bytes, length_ok) = bytes_at(&BigUint::from_bytes_be(&roots[i]), width, length);
            roots[i] = bytes;
            BuiltProof {
                roots,
                own: length_ok.then_some(*fixed),
            }
        }
        Proof::Raw(roots) => BuiltProof {
            roots: roots.iter().take(KEY_PROOF_ROUNDS + 2).cloned().collect(),
            own: None,
        },
    }
}

#[derive(Arbitrary, Debug)]
enum MaskBits {
    Small(u8),
    Edge(bool, bool),
    Any(u32),
}

#[derive(Arbitrary, Debug)]
enum Specs {
    /// The same spec for every feature.
    Same(Exponent, i64, i64),
    Each(Vec<(Exponent, i64, i64)>),
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
        /// The version written: by default 1 without a proof, 2 with one.
        version: Option<u8>,
        proof: Option<Proof>,
    },
    Query {
        key: Key,
        fingerprint: Print,
        proof: Option<Proof>,
        model: Option<[u8; 16]>,
        names: Names,
        features: Vec<(Cipher, Exponent, Length)>,
        repeat: u8,
    },
    Answer {
        key: Fixed,
        fingerprint: Print,
        model: [u8; 16],
        mask_bits: MaskBits,
        ciphertext: Cipher,
        exponent: Exponent,
        length: Length,
    },
    Card {
        target: String,
        names: Names,
        specs: Specs,
        weight_exponent: Exponent,
        weight_bits: u8,
        intercept_bits: u16,
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

fn check_public_key<S: KeySize>(
    message: &[u8],
    n: &BigUint,
    bits: u32,
    right: bool,
    proof: Option<&BuiltProof>,
) {
    let expected = right
        && bits == S::BITS
        && key_for::<S>(n).is_some()
        && proof.is_none_or(|proof| proof.decodes_at(bits));
    let decoded = hecate::public_key_with_proof::<S>(message);
    assert_eq!(
        decoded.is_ok(),
        expected,
        "public key {n:x} at {bits} bits: {decoded:?}"
    );
    assert_eq!(
        PublicKey::<S>::from_bytes(message).ok(),
        decoded.as_ref().ok().map(|(key, _)| key.clone())
    );
    if let Ok((key, decoded_proof)) = decoded {
        assert_eq!(&big(key.n()), n);
        assert_eq!(decoded_proof.is_some(), proof.is_some());
        if let (Some(decoded_proof), Some(proof)) = (decoded_proof, proof) {
            let roots: Vec<Vec<u8>> = decoded_proof
                .roots()
                .iter()
                .map(|root| be_bytes(&big(root), S::N::BYTES).expect("fits"))
                .collect();
            assert_eq!(roots, proof.roots);
            check_verify(&decoded_proof, &key, proof, n);
        }
    }
}

/// Verifying a decoded proof (at the small sizes: public but not free) agrees with the oracle.
fn check_verify<S: KeySize>(
    proof: &hecate::KeyProof<S>,
    key: &PublicKey<S>,
    built: &BuiltProof,
    n: &BigUint,
) {
    if S::BITS <= 2048 {
        let verified = proof.verify(key);
        assert_eq!(
            verified.is_ok(),
            built.verifies_for(n),
            "a proof verifies against the oracle: {verified:?}"
        );
    }
}

struct BuiltQuery {
    n: BigUint,
    bits: u32,
    key_length_ok: bool,
    fingerprint: [u8; 32],
    proof: Option<BuiltProof>,
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
            && q.proof
                .as_ref()
                .is_none_or(|proof| proof.decodes_at(q.bits))
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
        assert_eq!(query.proof.is_some(), q.proof.is_some());
        match (&query.proof, &q.proof) {
            (Some(proof), Some(built)) => {
                check_verify(proof, &query.key, built, &q.n);
                if S::BITS <= 2048 {
                    assert_eq!(query.verify_key().is_ok(), built.verifies_for(&q.n));
                }
            }
            _ => assert_eq!(query.verify_key(), Err(hecate::Error::MissingKeyProof)),
        }
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
    (c, exponent, mask_bits): (&BigUint, i32, u32),
    length_ok: bool,
) {
    let expected = print_right
        && length_ok
        && valid_exponent(exponent)
        && (1..=S::BITS - 2).contains(&mask_bits)
        && in_z_star_n2(c, &big(key.n()));
    let decoded = Answer::from_bytes(message, key);
    assert_eq!(decoded.is_ok(), expected, "answer: {:?}", decoded.err());
    if let Ok(answer) = decoded {
        assert_eq!(&big(answer.value.ciphertext.value()), c);
        assert_eq!(answer.value.exponent, exponent);
        assert_eq!(answer.mask_bits, mask_bits);
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
        Input::PublicKey {
            key,
            version,
            proof,
        } => {
            let (body, n, bits, length_ok) = key_body(&key);
            let proof = proof.as_ref().map(proof_roots);
            // Version 1 is the bare key, version 2 the key with its proof.
            let natural = if proof.is_some() { 2 } else { 1 };
            let version_ok = version.is_none_or(|v| v == natural);
            let version = version.unwrap_or(natural);
            let message = match &proof {
                None => seal(b'P', version, &body),
                Some(proof) => seal(
                    b'P',
                    version,
                    &ProvenKeyBody {
                        bits: body.bits,
                        n: body.n.clone(),
                        proof: proof.roots.clone(),
                    },
                ),
            };
            let right = length_ok && version_ok;
            let proof = proof.as_ref();
            check_public_key::<InsecureTest1024>(&message, &n, bits, right, proof);
            check_public_key::<Paillier2048>(&message, &n, bits, right, proof);
            check_public_key::<Paillier3072>(&message, &n, bits, right, proof);
            check_public_key::<Paillier4096>(&message, &n, bits, right, proof);
            hecate::fuzzing::public_key(&message);
        }
        Input::Query {
            key,
            fingerprint: print,
            proof,
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
            let proof = proof.as_ref().map(proof_roots);
            let message = seal(
                b'Q',
                hecate::Kind::Query.version(),
                &QueryBody {
                    key: body,
                    fingerprint,
                    proof: proof.as_ref().map(|proof| proof.roots.clone()),
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
                proof,
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
            mask_bits,
            ciphertext,
            exponent,
            length,
        } => {
            let mask_bits = match mask_bits {
                MaskBits::Small(bits) => u32::from(bits),
                // Around the largest mask the key leaves room for: bits − 2.
                MaskBits::Edge(over, far) => {
                    fixed_bits(key) - 2 + u32::from(over) + u32::from(far) * 2
                }
                MaskBits::Any(bits) => bits,
            };
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
                hecate::Kind::Answer.version(),
                &AnswerBody {
                    fingerprint,
                    model,
                    mask_bits,
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
                        (&c, exponent, mask_bits),
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
                        (&c, exponent, mask_bits),
                        length_ok,
                    );
                    assert!(Answer::from_bytes(&message, KEY_1024.public_key()).is_err());
                }
            }
        }
        Input::Card {
            target,
            names,
            specs,
            weight_exponent,
            weight_bits,
            intercept_bits,
            key_sizes,
        } => {
            let features = names_of(&names);
            if features.len() > hecate::MAX_FEATURES || key_sizes.len() > 4 {
                return;
            }
            let specs: Vec<(i32, i64, i64)> = match specs {
                Specs::Same(exponent, low, high) => {
                    vec![(exponent.value(), low, high); features.len()]
                }
                Specs::Each(list) => list
                    .iter()
                    .map(|(exponent, low, high)| (exponent.value(), *low, *high))
                    .collect(),
            };
            if specs.len() > hecate::MAX_FEATURES {
                return;
            }
            let weight_exponent = weight_exponent.value();
            let (weight_bits, intercept_bits) = (u32::from(weight_bits), u32::from(intercept_bits));
            let message = seal(
                b'C',
                hecate::Kind::ModelCard.version(),
                &CardBody {
                    id: [7; 16],
                    target: target.clone(),
                    features: features.clone(),
                    specs: specs
                        .iter()
                        .map(|&(exponent, low, high)| SpecBody {
                            exponent,
                            low,
                            high,
                        })
                        .collect(),
                    weight_exponent,
                    weight_bits,
                    intercept_bits,
                    key_sizes: key_sizes.clone(),
                },
            );
            let decoded = ModelCard::from_bytes(&message);
            // The oracle: each spec an exponent in range and low ≤ high, both above −2^63.
            let specs_ok = specs.iter().all(|&(exponent, low, high)| {
                valid_exponent(exponent) && low <= high && low != i64::MIN
            });
            let built: Vec<FeatureSpec> = specs
                .iter()
                .filter_map(|&(exponent, low, high)| FeatureSpec::new(exponent, low, high).ok())
                .collect();
            assert_eq!(
                built.len() == specs.len(),
                specs_ok,
                "FeatureSpec::new disagrees"
            );
            let mask_bits = specs_ok
                .then(|| mask_bits_oracle(&built, weight_exponent, weight_bits, intercept_bits))
                .flatten();
            let sizes_ok = !key_sizes.is_empty()
                && key_sizes.iter().enumerate().all(|(i, bits)| {
                    [1024, 2048, 3072, 4096].contains(bits)
                        && !key_sizes[..i].contains(bits)
                        && mask_bits.is_some_and(|mask| mask <= bits - 2)
                });
            let expected = valid_names(&features)
                && valid_name(&target)
                && specs.len() == features.len()
                && mask_bits.is_some()
                && sizes_ok;
            assert_eq!(decoded.is_ok(), expected, "card: {:?}", decoded.err());
            if let Ok(card) = decoded {
                assert_eq!(card.target(), target);
                assert_eq!(card.key_sizes(), key_sizes.as_slice());
                assert_eq!(card.weight_exponent(), weight_exponent);
                assert_eq!(card.weight_bits(), weight_bits);
                assert_eq!(card.intercept_bits(), intercept_bits);
                assert_eq!(card.specs(), built.as_slice());
                assert_eq!(Some(card.mask_bits()), mask_bits);
            }
            hecate::fuzzing::model_card(&message);
        }
    }
});
