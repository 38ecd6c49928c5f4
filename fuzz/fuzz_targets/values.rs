//! The `--values` parser: whatever is accepted is one finite number per comma-separated item; then,
//! encoded and encrypted under the 1024-bit test key at python-paillier's exponents (unless refused
//! as too large), each decrypts to exactly the value given.
#![no_main]

use hecate_fuzz::{KEY_1024, decrypt_decode, rng};
use hecate_gui::workflows::encrypt::parse_values;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(values) = parse_values(text) else {
        return;
    };
    assert_eq!(
        values.len(),
        text.split(',').count(),
        "values and items disagree"
    );
    assert!(values.iter().all(|v| v.is_finite()), "{values:?}");
    for (value, item) in values.iter().zip(text.split(',')) {
        assert_eq!(item.trim().parse::<f64>().ok(), Some(*value));
    }
    if values.len() > 16 {
        return;
    }
    let key = &*KEY_1024;
    match key
        .public_key()
        .encrypt_features(&values, None, &mut rng(5))
    {
        Ok(features) => {
            for (value, feature) in values.iter().zip(&features) {
                let back = decrypt_decode(key, feature).expect("decrypts");
                assert!(
                    back == *value || (back == 0.0 && *value == 0.0),
                    "{value} came back as {back}"
                );
            }
        }
        Err(hecate::Error::FeatureTooLarge) => {}
        Err(error) => panic!("unexpected encryption error: {error}"),
    }
});
