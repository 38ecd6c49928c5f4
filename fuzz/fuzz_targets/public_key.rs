//! Public key messages: whatever decodes has an odd n of exactly the key size, re-encodes to exactly
//! its bytes, and agrees with `key_bits`.
//!
//! Each input is checked as given and again with its CRC made right, so that blind mutations
//! reach the rules behind the checksum.
#![no_main]

use hecate::{InsecureTest1024, KeySize, Paillier2048, Paillier3072, Paillier4096, PublicKey};
use libfuzzer_sys::fuzz_target;

fn one<S: KeySize>(data: &[u8]) {
    if let Ok(key) = PublicKey::<S>::from_bytes(data) {
        assert!(hecate_fuzz::big(key.n()).bit(0), "accepted an even n");
        assert_eq!(
            hecate::key_bits(data).ok(),
            Some(S::BITS),
            "key_bits disagrees"
        );
        // The fingerprint is SHA-256 of the message as Hecate writes it: here, these bytes.
        let again = hecate_fuzz::encode(|out| key.to_bytes(out));
        // Only the canonical encoding is accepted (postcard alone reads overlong varints).
        assert_eq!(again, data, "a public key has a second encoding");
    }
}

/// The checks, on one input.
fn check(data: &[u8]) {
    hecate::fuzzing::public_key(data);
    let _ = hecate::fuzzing::kind(data);
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
