//! Answer messages, the customer's trust boundary, for the fixed 1024- and 2048-bit keys: whatever
//! is accepted names the key, has its ciphertext in Z*_{n²} and its exponent in range, re-encodes
//! to the same answer, has a mask of 1 to bits − 2 bits, and decrypts without a panic (to a number or
//! a typed error), and unmasks to a number within ±2^(μ−1).
//!
//! Each input is checked as given and again with its CRC made right, so that blind mutations
//! reach the rules behind the checksum.
#![no_main]

use hecate::{Answer, KeySize, PrivateKey};
use hecate_fuzz::{KEY_1024, KEY_2048, big, in_z_star_n2, valid_exponent};
use libfuzzer_sys::fuzz_target;

fn one<S: KeySize>(data: &[u8], key: &PrivateKey<S>) {
    let public = key.public_key();
    hecate::fuzzing::answer(data, public);
    let addressee = hecate::answer_addressee(data);
    let Ok(answer) = Answer::from_bytes(data, public) else {
        return;
    };
    assert_eq!(addressee.ok(), Some((public.fingerprint(), answer.model)));
    assert!(valid_exponent(answer.value.exponent));
    assert!(
        in_z_star_n2(&big(answer.value.ciphertext.value()), &big(public.n())),
        "accepted a ciphertext outside Z*_(n^2)"
    );
    assert_eq!(
        hecate::key_bits(data).ok(),
        Some(S::BITS),
        "key_bits disagrees"
    );
    let again = hecate_fuzz::encode(|out| answer.to_bytes(out));
    assert_eq!(again, data, "an answer has a second encoding");
    assert!(
        (1..=S::BITS - 2).contains(&answer.mask_bits),
        "accepted a mask of {} bits",
        answer.mask_bits
    );
    match hecate_fuzz::decrypt_decode(key, &answer.value) {
        Ok(value) => assert!(value.is_finite(), "decoded {value}"),
        Err(hecate::Error::Overflow | hecate::Error::OutOfF64Range) => {}
        Err(error) => panic!("unexpected decryption error: {error}"),
    }
    // Unmasking gives some number for any plaintext: (t mod M) − M/2, within ±2^(μ−1).
    let number = key.decrypt_answer(&answer).expect("any answer unmasks");
    let exact = number
        .decode_exact(public)
        .expect("an unmasked value is in range");
    let bound = hecate_fuzz::one() << (answer.mask_bits - 1);
    let magnitude = big(&exact.magnitude);
    assert!(
        magnitude < bound || (magnitude == bound && exact.negative),
        "unmasked beyond the mask"
    );
    match number.decode(public) {
        Ok(value) => assert!(value.is_finite(), "decoded {value}"),
        Err(hecate::Error::OutOfF64Range) => {}
        Err(error) => panic!("unexpected error decoding an unmasked answer: {error}"),
    }
}

/// The checks, on one input.
fn check(data: &[u8]) {
    one(data, &*KEY_1024);
    one(data, &*KEY_2048);
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
