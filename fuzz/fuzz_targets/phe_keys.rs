//! python-paillier `custkeys.json`: whatever is accepted is a valid key whose primes multiply to
//! the file's n, agrees with `key_bits` and `read_public_key`, and writes back to a file that reads
//! as the same key.
#![no_main]

use hecate::{InsecureTest1024, KeySize, Paillier2048, Paillier3072, Paillier4096};
use hecate_app::interop::phe;
use hecate_fuzz::big;
use libfuzzer_sys::fuzz_target;

fn one<S: KeySize>(text: &str) {
    let public = phe::read_public_key::<S>(text);
    if let Ok(public) = &public {
        assert_eq!(
            phe::key_bits(text).ok(),
            Some(S::BITS),
            "key_bits disagrees"
        );
        assert_eq!(big(public.n()).bits(), u64::from(S::BITS));
    }
    let Ok(key) = phe::read_keys::<S>(text) else {
        return;
    };
    let public = public.expect("a key whose private part reads has a public part");
    assert_eq!(
        key.public_key(),
        &public,
        "the private key is for another n"
    );
    let (p, q) = key.primes();
    assert_eq!(big(p) * big(q), big(public.n()), "n is not p·q");
    let written = phe::write_keys(&key).expect("writes");
    let again = phe::read_keys::<S>(&written).expect("reads back");
    assert!(again == key, "custkeys.json does not round-trip");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = phe::key_bits(text);
    one::<InsecureTest1024>(text);
    one::<Paillier2048>(text);
    one::<Paillier3072>(text);
    one::<Paillier4096>(text);
});
