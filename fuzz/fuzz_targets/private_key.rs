//! Private key messages: whatever decodes has odd distinct primes of half the size whose product is
//! its n, and re-encodes to exactly its bytes.
//!
//! Each input is checked as given and again with its CRC made right, so that blind mutations
//! reach the rules behind the checksum.
#![no_main]

use hecate::{InsecureTest1024, KeySize, Paillier2048, Paillier3072, Paillier4096, PrivateKey};
use libfuzzer_sys::fuzz_target;

fn one<S: KeySize>(data: &[u8]) {
    if let Ok(key) = PrivateKey::<S>::from_bytes(data, &mut hecate_fuzz::rng(0)) {
        let (p, q) = key.primes();
        let (p, q) = (hecate_fuzz::big(p), hecate_fuzz::big(q));
        assert!(p != q, "equal primes");
        assert!(p.bit(0) && q.bit(0), "an even prime");
        assert_eq!(p.bits(), u64::from(S::PRIME_BITS));
        assert_eq!(q.bits(), u64::from(S::PRIME_BITS));
        assert_eq!(
            &p * &q,
            hecate_fuzz::big(key.public_key().n()),
            "n is not p·q"
        );
        assert_eq!(
            hecate::key_bits(data).ok(),
            Some(S::BITS),
            "key_bits disagrees"
        );
        let again = hecate_fuzz::encode(|out| key.to_bytes(out));
        // Only the canonical encoding is accepted (postcard alone reads overlong varints).
        assert_eq!(again, data, "a private key has a second encoding");
    }
}

/// The checks, on one input.
fn check(data: &[u8]) {
    hecate::fuzzing::private_key(data, &mut hecate_fuzz::rng(0));
    one::<InsecureTest1024>(data);
    one::<Paillier2048>(data);
    one::<Paillier3072>(data);
    one::<Paillier4096>(data);
}

fuzz_target!(|data: &[u8]| {
    check(data);
    // The same bytes with the CRC made right: blind mutations reach the decoder's rules.
    let mut fixed = data.to_vec();
    hecate::fuzzing::fix_checksum(&mut fixed);
    if fixed != data {
        check(&fixed);
    }
});
