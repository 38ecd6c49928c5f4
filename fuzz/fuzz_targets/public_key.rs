//! Public key messages, bare (version 1) or with a proof (version 2): whatever decodes has an odd n
//! of exactly the key size, re-encodes to exactly its bytes, agrees with `key_bits` and between the
//! two decoders; a proof for a fixed key's n verifies exactly when it is that key's own.
//!
//! Each input is checked as given and again with its CRC made right, so that blind mutations
//! reach the rules behind the checksum.
#![no_main]

use hecate::{
    InsecureTest1024, KeyProof, KeySize, Paillier2048, Paillier3072, Paillier4096, PrivateKey,
    PublicKey,
};
use hecate_fuzz::{KEY_1024, KEY_2048, PROOF_1024, PROOF_2048};
use libfuzzer_sys::fuzz_target;

fn one<S: KeySize>(data: &[u8], fixed: Option<(&PrivateKey<S>, &KeyProof<S>)>) {
    let decoded = hecate::public_key_with_proof::<S>(data);
    assert_eq!(
        decoded.as_ref().map(|(key, _)| key).ok(),
        PublicKey::<S>::from_bytes(data).ok().as_ref(),
        "the two decoders disagree"
    );
    if let Ok((key, proof)) = decoded {
        assert!(hecate_fuzz::big(key.n()).bit(0), "accepted an even n");
        assert_eq!(
            hecate::key_bits(data).ok(),
            Some(S::BITS),
            "key_bits disagrees"
        );
        assert_eq!(data[4], if proof.is_some() { 2 } else { 1 }, "version");
        // Only the canonical encoding is accepted (postcard alone reads overlong varints). The
        // fingerprint is SHA-256 of the key without its proof, as Hecate writes it.
        let again = match &proof {
            None => hecate_fuzz::encode(|out| key.to_bytes(out)),
            Some(proof) => hecate_fuzz::encode(|out| key.to_bytes_with_proof(proof, out)),
        };
        assert_eq!(again, data, "a public key has a second encoding");
        // A proof verifies for a fixed key only if it is that key's own (proofs are
        // deterministic); verifying is public work on any n (at the small sizes here).
        if let Some(proof) = proof.filter(|_| S::BITS <= 2048) {
            let verified = proof.verify(&key);
            if let Some((private, own)) = fixed.filter(|(k, _)| k.public_key() == &key) {
                assert_eq!(verified.is_ok(), &proof == own, "{verified:?}");
                assert!(own.verify(private.public_key()).is_ok());
            }
        }
    }
}

/// The checks, on one input.
fn check(data: &[u8]) {
    hecate::fuzzing::public_key(data);
    let _ = hecate::fuzzing::kind(data);
    one::<InsecureTest1024>(data, Some((&KEY_1024, &PROOF_1024)));
    one::<Paillier2048>(data, Some((&KEY_2048, &PROOF_2048)));
    one::<Paillier3072>(data, None);
    one::<Paillier4096>(data, None);
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
