//! python-paillier `data.json` (the company's input): whatever is accepted has a key of the size,
//! at least one feature, every ciphertext in Z*_{n²} (independent num-bigint check) and every
//! exponent in range, and writes back to a file that reads as the same query.
#![no_main]

use hecate::{InsecureTest1024, KeySize, Paillier2048, Paillier3072, Paillier4096};
use hecate_app::interop::phe;
use hecate_fuzz::{big, in_z_star_n2, valid_exponent};
use libfuzzer_sys::fuzz_target;

fn one<S: KeySize>(text: &str) {
    let Ok((key, features)) = phe::read_query::<S>(text) else {
        return;
    };
    assert_eq!(
        phe::key_bits(text).ok(),
        Some(S::BITS),
        "key_bits disagrees"
    );
    assert!(!features.is_empty(), "accepted a query without features");
    let n = big(key.n());
    assert!(n.bit(0) && n.bits() == u64::from(S::BITS));
    for feature in &features {
        assert!(
            valid_exponent(feature.exponent),
            "exponent {}",
            feature.exponent
        );
        assert!(
            in_z_star_n2(&big(feature.ciphertext.value()), &n),
            "accepted a ciphertext outside Z*_(n^2)"
        );
    }
    let written = phe::write_query(&key, &features).expect("writes");
    let (key2, features2) = phe::read_query::<S>(&written).expect("reads back");
    assert_eq!(key2, key);
    assert_eq!(features2, features, "data.json does not round-trip");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    one::<InsecureTest1024>(text);
    one::<Paillier2048>(text);
    one::<Paillier3072>(text);
    one::<Paillier4096>(text);
});
