//! python-paillier `answer.json` (the customer's input), for the fixed 1024- and 2048-bit keys:
//! whatever is accepted has its ciphertext in Z*_{n²} and its exponent in range, writes back to a
//! file that reads as the same answer, and decrypts without a panic.
#![no_main]

use hecate::{KeySize, PrivateKey};
use hecate_app::interop::phe;
use hecate_fuzz::{KEY_1024, KEY_2048, big, in_z_star_n2, valid_exponent};
use libfuzzer_sys::fuzz_target;

fn one<S: KeySize>(text: &str, key: &PrivateKey<S>) {
    let public = key.public_key();
    let Ok(answer) = phe::read_answer::<S>(text, public) else {
        return;
    };
    assert!(
        valid_exponent(answer.exponent),
        "exponent {}",
        answer.exponent
    );
    assert!(
        in_z_star_n2(&big(answer.ciphertext.value()), &big(public.n())),
        "accepted a ciphertext outside Z*_(n^2)"
    );
    let written = phe::write_answer(public, &answer).expect("writes");
    let again = phe::read_answer::<S>(&written, public).expect("reads back");
    assert_eq!(again, answer, "answer.json does not round-trip");
    match hecate_fuzz::decrypt_decode(key, &answer) {
        Ok(value) => assert!(value.is_finite()),
        Err(hecate::Error::Overflow | hecate::Error::OutOfF64Range) => {}
        Err(error) => panic!("unexpected decryption error: {error}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    one(text, &*KEY_1024);
    one(text, &*KEY_2048);
});
