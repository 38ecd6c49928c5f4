//! Shared helpers of the fuzz targets: fixed keys (python-paillier's test primes, so that every run
//! and every committed seed uses the same keys), a num-bigint oracle, and a postcard mirror of the
//! wire format for the structure-aware targets.

#![allow(
    clippy::missing_panics_doc,
    reason = "a fuzz helper panics on a broken rule"
)]

use std::sync::LazyLock;

use hecate::{
    FeatureSpec, InsecureTest1024, Integer, KeyProof, KeySize, Model, Paillier2048, PrivateKey,
    PublicKey,
};
use num_bigint::BigUint;
use num_integer::Integer as _;
use num_traits::{One, Zero};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;

/// The 1024-bit key of `core/tests/vectors/python_paillier.json` (p, q in decimal).
const P1024: &str = "12707171564463588053620654137752258744082432273492863704746702091342549032610950790860125811236771484037323501760264185060208096213707367623650780245647251";
const Q1024: &str = "13072003460799622196545482162343490679892179416155700863207150905341947184762050943550617319335529365584494636461641424624738433341627519549963991648683659";
/// The 2048-bit key of the same file.
const P2048: &str = "133773071615698391289865245591586328772181517761495364105340008614255296882635837818280046115524189298098171676686178387069504091681454957597134840286180771912525251313106499476104776068705205363162126543459260882737933661723194467391415401308872698044308931245446799379340120206030048155367738346145717488469";
const Q2048: &str = "160801537977942909177019620100617999345324576535952585503514518158971406460166683423524569154706934015295677665433818851630342368337952382406558385880807087455725644486100081238253271012055672108126785145081708064055656829752859340711932632775514193477385180480715637883108167724177238219600290333194493261671";

fn fixed_key<S: KeySize>(p: &str, q: &str) -> PrivateKey<S> {
    let p = uint::<S::P>(&dec(p)).expect("p fits");
    let q = uint::<S::P>(&dec(q)).expect("q fits");
    PrivateKey::from_primes(p, q, &mut rng(0)).expect("the fixed key is valid")
}

/// The fixed 1024-bit test key.
pub static KEY_1024: LazyLock<PrivateKey<InsecureTest1024>> =
    LazyLock::new(|| fixed_key(P1024, Q1024));
/// The fixed 2048-bit key.
pub static KEY_2048: LazyLock<PrivateKey<Paillier2048>> = LazyLock::new(|| fixed_key(P2048, Q2048));

/// The fixed 1024-bit key's proof of being well formed (made once: it costs a few
/// exponentiations).
pub static PROOF_1024: LazyLock<KeyProof<InsecureTest1024>> =
    LazyLock::new(|| KEY_1024.prove_key().expect("the fixed key proves"));
/// The fixed 2048-bit key's proof.
pub static PROOF_2048: LazyLock<KeyProof<Paillier2048>> =
    LazyLock::new(|| KEY_2048.prove_key().expect("the fixed key proves"));

/// A deterministic cryptographic RNG, so that a crash reproduces from its input.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Parses a decimal constant.
pub fn dec(text: &str) -> BigUint {
    text.parse().expect("decimal")
}

/// A fixed-width integer as a `BigUint`.
pub fn big<T: Integer>(x: &T) -> BigUint {
    let mut bytes = vec![0u8; T::BYTES];
    x.write_be(&mut bytes);
    BigUint::from_bytes_be(&bytes)
}

/// A `BigUint` as a fixed-width integer, if it fits.
pub fn uint<T: Integer>(x: &BigUint) -> Option<T> {
    let bytes = be_bytes(x, T::BYTES)?;
    T::read_be(&bytes)
}

/// Exactly `len` big-endian bytes of `x`, if it fits.
pub fn be_bytes(x: &BigUint, len: usize) -> Option<Vec<u8>> {
    let digits = x.to_bytes_be();
    let digits = if x.is_zero() { Vec::new() } else { digits };
    let mut out = vec![0u8; len.checked_sub(digits.len())?];
    out.extend_from_slice(&digits);
    Some(out)
}

/// The oracle for "c is in Z*_{n²}": 0 < c < n² and gcd(c, n) = 1.
pub fn in_z_star_n2(c: &BigUint, n: &BigUint) -> bool {
    !c.is_zero() && *c < n * n && c.gcd(n).is_one()
}

/// The oracle for a feature or target name: 1 to 32 bytes, no control characters.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= hecate::MAX_NAME_LEN && !name.chars().any(char::is_control)
}

/// The oracle for a list of names: 1 to 128, each valid, no two equal.
pub fn valid_names(names: &[String]) -> bool {
    !names.is_empty()
        && names.len() <= hecate::MAX_FEATURES
        && names.iter().all(|name| valid_name(name))
        && names
            .iter()
            .enumerate()
            .all(|(i, name)| !names[..i].contains(name))
}

/// The oracle for an exponent: |e| ≤ 2048.
pub fn valid_exponent(exponent: i32) -> bool {
    exponent.unsigned_abs() <= hecate::EXPONENT_LIMIT.unsigned_abs()
}

/// The oracle for "`value` is in `spec`'s declared range": its mantissa at the spec's exponent,
/// round(value / 16^e) half to even, is within the declared mantissas. Plain f64: scaling by a power
/// of two is exact (a result below the normal range rounds to 0 either way), and so is rounding an
/// f64 to a whole number.
pub fn in_declared_range(value: f64, spec: &FeatureSpec) -> bool {
    let Some(mantissa) = mantissa_at(value, spec.exponent()) else {
        return false;
    };
    let (low, high) = spec.mantissas();
    low <= mantissa && mantissa <= high
}

/// round(value / 16^exponent), half to even, if finite and within ±2^63.
pub fn mantissa_at(value: f64, exponent: i32) -> Option<i64> {
    let scaled = scale_by_power_of_two(value, -4 * i64::from(exponent)).round_ties_even();
    // 2^63 exactly; every f64 strictly inside ±2^63 converts exactly.
    let limit = 9_223_372_036_854_775_808.0;
    (scaled.is_finite() && scaled > -limit && scaled < limit).then(|| {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "a whole number within ±2^63"
        )]
        let whole = scaled as i64;
        whole
    })
}

/// value · 2^k in f64, by steps that stay exact until the result over- or underflows.
pub fn scale_by_power_of_two(value: f64, k: i64) -> f64 {
    let mut out = value;
    let mut k = k;
    while k != 0 && out != 0.0 && out.is_finite() {
        let step = k.clamp(-512, 512);
        #[allow(clippy::cast_possible_truncation, reason = "within ±512")]
        let factor = 2f64.powi(step as i32);
        out *= factor;
        k -= step;
    }
    out
}

/// The oracle for a card's mask length μ (`core/src/model.rs`, `Encoding::check`), computed with
/// num-bigint from the published encoding: the bit length of
/// Σ_i max(|low_i|, |high_i|) · 2^(weight_bits + 4(e_i − min e)) + 2^intercept_bits, plus one; none
/// when the encoding is refused (no specs, weights over 192 bits, an exponent out of range, an
/// aligned weight over 256 bits, or a mask over 4094 bits).
pub fn mask_bits_oracle(
    specs: &[FeatureSpec],
    weight_exponent: i32,
    weight_bits: u32,
    intercept_bits: u32,
) -> Option<u32> {
    let lowest = specs.iter().map(FeatureSpec::exponent).min()?;
    if weight_bits > hecate::WEIGHT_PRECISION_BITS
        || !valid_exponent(weight_exponent)
        || !valid_exponent(weight_exponent.checked_add(lowest)?)
        || intercept_bits > 8000
    {
        return None;
    }
    let mut bound = BigUint::one() << intercept_bits;
    for spec in specs {
        let shift = weight_bits + 4 * spec.exponent().abs_diff(lowest);
        if shift > 256 {
            return None;
        }
        let (low, high) = spec.mantissas();
        let magnitude = low.unsigned_abs().max(high.unsigned_abs());
        bound += BigUint::from(magnitude) << shift;
    }
    let mask_bits = u32::try_from(bound.bits()).ok()? + 1;
    (mask_bits <= 4094).then_some(mask_bits)
}

/// Bytes of a message written with `to_bytes`.
pub fn encode(write: impl FnOnce(&mut [u8]) -> hecate::Result<usize>) -> Vec<u8> {
    let mut buffer = vec![0u8; hecate::MAX_MESSAGE_LEN];
    let len = write(&mut buffer).expect("encodes");
    buffer.truncate(len);
    buffer
}

/// The postcard mirror of the wire bodies (`core/src/wire.rs`), for building messages field by
/// field. Byte strings are `Vec<u8>` (postcard writes them as a length and the bytes, as the core
/// writes its big integers).
pub mod mirror {
    use serde::Serialize;

    /// A public key body.
    #[derive(Serialize, Clone, Debug)]
    pub struct KeyBody {
        /// Bits of n.
        pub bits: u32,
        /// n, big-endian.
        pub n: Vec<u8>,
    }

    /// A public key body with its proof (version 2).
    #[derive(Serialize, Clone, Debug)]
    pub struct ProvenKeyBody {
        /// Bits of n.
        pub bits: u32,
        /// n, big-endian.
        pub n: Vec<u8>,
        /// The proof's roots, big-endian.
        pub proof: Vec<Vec<u8>>,
    }

    /// A private key body.
    #[derive(Serialize, Clone, Debug)]
    pub struct PrivateKeyBody {
        /// Bits of n.
        pub bits: u32,
        /// p, big-endian.
        pub p: Vec<u8>,
        /// q, big-endian.
        pub q: Vec<u8>,
    }

    /// One encrypted feature.
    #[derive(Serialize, Clone, Debug)]
    pub struct FeatureBody {
        /// The ciphertext, big-endian.
        pub ciphertext: Vec<u8>,
        /// Its exponent.
        pub exponent: i32,
    }

    /// A query body.
    #[derive(Serialize, Clone, Debug)]
    pub struct QueryBody {
        /// The customer's key.
        pub key: KeyBody,
        /// Its fingerprint.
        pub fingerprint: [u8; 32],
        /// The key's proof: its roots, big-endian.
        pub proof: Option<Vec<Vec<u8>>>,
        /// The model id.
        pub model: Option<[u8; 16]>,
        /// Feature names.
        pub names: Vec<String>,
        /// Encrypted features.
        pub features: Vec<FeatureBody>,
    }

    /// An answer body.
    #[derive(Serialize, Clone, Debug)]
    pub struct AnswerBody {
        /// The key's fingerprint.
        pub fingerprint: [u8; 32],
        /// The model id.
        pub model: [u8; 16],
        /// μ: the mask's length.
        pub mask_bits: u32,
        /// The ciphertext, big-endian.
        pub ciphertext: Vec<u8>,
        /// Its exponent.
        pub exponent: i32,
    }

    /// A feature's encoding.
    #[derive(Serialize, Clone, Debug)]
    pub struct SpecBody {
        /// Its exponent.
        pub exponent: i32,
        /// The smallest mantissa in range.
        pub low: i64,
        /// The largest.
        pub high: i64,
    }

    /// A model card body.
    #[derive(Serialize, Clone, Debug)]
    pub struct CardBody {
        /// Model id.
        pub id: [u8; 16],
        /// Target name.
        pub target: String,
        /// Feature names.
        pub features: Vec<String>,
        /// Each feature's exponent and declared mantissas.
        pub specs: Vec<SpecBody>,
        /// The weights' exponent.
        pub weight_exponent: i32,
        /// The weights' bit length bound.
        pub weight_bits: u32,
        /// The intercept's bit length bound at the answer exponent.
        pub intercept_bits: u32,
        /// Accepted key sizes.
        pub key_sizes: Vec<u32>,
    }
}

/// A message of kind `tag` (`b'P'`, `b'Q'`…) with `body`, its CRC right.
pub fn seal(tag: u8, version: u8, body: &impl Serialize) -> Vec<u8> {
    let mut out = vec![b'H', b'C', b'T', tag, version];
    out.extend(postcard::to_allocvec(body).expect("postcard"));
    out.extend_from_slice(&[0; 4]);
    hecate::fuzzing::fix_checksum(&mut out);
    out
}

/// The public key of every fixed key, as (bits, n).
pub fn fixed_moduli() -> [(u32, BigUint); 2] {
    [
        (1024, big(KEY_1024.public_key().n())),
        (2048, big(KEY_2048.public_key().n())),
    ]
}

/// The decrypted value of an encrypted number under a fixed key, decoded (or the error).
pub fn decrypt_decode<S: KeySize>(
    key: &PrivateKey<S>,
    number: &hecate::EncryptedNumber<S>,
) -> hecate::Result<f64> {
    key.decrypt_number(number)?.decode(key.public_key())
}

/// Whether two public keys of the same size are the same key.
pub fn same_key<S: KeySize>(a: &PublicKey<S>, b: &PublicKey<S>) -> bool {
    a.fingerprint() == b.fingerprint()
}

/// `a mod n` for a possibly negative `a`.
pub fn signed_mod(a: &num_bigint::BigInt, n: &BigUint) -> BigUint {
    let n = num_bigint::BigInt::from(n.clone());
    let r = a.mod_floor(&n);
    r.to_biguint().expect("non-negative")
}

/// 1, for callers that want a `BigUint` one without importing num-traits.
pub fn one() -> BigUint {
    BigUint::one()
}

/// The salary story's model: whole years of age from 18 to 100, scales from 0 to 10 and gender 0
/// or 1, in sixteenths; the seed corpora's queries are for it.
pub fn salary_model() -> Model {
    let spec = |low, high| FeatureSpec::from_range(-1, low, high).expect("a spec");
    let specs = [
        spec(18.0, 100.0),
        spec(0.0, 10.0),
        spec(0.0, 10.0),
        spec(0.0, 1.0),
    ];
    let (model, _) = Model::from_f64(
        "salary",
        &["age", "healthy_eating", "active_lifestyle", "gender"],
        &specs,
        &[812.5, 1530.25, -960.0, 2400.0],
        21_000.75,
        &mut rng(10),
    )
    .expect("a model");
    model
}

/// The paths the `service` target asks, picked by the low 3 bits of its first byte.
pub const SERVICE_PATHS: [&str; 8] = [
    "/v1/card",
    "/v1/predict",
    "/v1/predict/phe-json",
    "/healthz",
    "/readyz",
    "/metrics",
    "/",
    "/v1/card/../predict",
];
/// The `service` target's first byte: a POST (else a GET).
pub const SERVICE_POST: u8 = 0x08;
/// The `service` target's first byte: with `Accept: application/json`.
pub const SERVICE_JSON: u8 = 0x10;
/// The `service` target's first byte: with a `Content-Length` header, the body's own length…
pub const SERVICE_DECLARED: u8 = 0x20;
/// …or one past the endpoint's cap, whatever the body's.
pub const SERVICE_OVER_CAP: u8 = 0x40;
