//! python-paillier JSON: reading a maximal valid 4096-bit `custkeys.json`, and refusing one whose
//! `n` has a million or four million digits (before the size checks, these took 1.8 s and 27 s).

use criterion::{Criterion, criterion_group, criterion_main};
use hecate::{Paillier4096, PrivateKey};
use hecate_app::interop::phe;
use std::hint::black_box;
use std::ops::Deref;

/// A 4096-bit key in python-paillier's format, made once (key generation takes seconds).
fn custkeys() -> impl Deref<Target = String> {
    let mut rng = hecate_app::workflows::os_rng();
    let key = PrivateKey::<Paillier4096>::generate(&mut rng).expect("a 4096-bit key");
    phe::write_keys(&key).expect("custkeys.json")
}

/// A `custkeys.json` whose n has `digits` digits.
fn huge_n(digits: usize) -> String {
    format!(
        "{{\"public_key\": {{\"n\": {}}}, \"private_key\": {{\"p\": 3, \"q\": 5}}}}",
        "7".repeat(digits)
    )
}

fn phe_json(c: &mut Criterion) {
    let keys = custkeys();
    let mut group = c.benchmark_group("phe_json");
    // Reading a key tests both primes (seconds at this size): the fewest samples criterion takes.
    group.sample_size(10);
    group.bench_function("read 4096-bit custkeys.json", |b| {
        b.iter(|| phe::read_keys::<Paillier4096>(black_box(&*keys)).expect("valid"));
    });
    // 300 kB fits the file limit, so only the digit count refuses it; the others are over both.
    for (name, digits) in [
        ("300 kB", 300_000),
        ("1 MB", 1_000_000),
        ("4 MB", 4_000_000),
    ] {
        let file = huge_n(digits);
        group.bench_function(format!("refuse a {name} n"), |b| {
            b.iter(|| phe::key_bits(black_box(&file)).expect_err("refused"));
        });
    }
    group.finish();
}

criterion_group!(benches, phe_json);
criterion_main!(benches);
