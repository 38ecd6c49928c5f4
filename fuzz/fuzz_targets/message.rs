//! Any message with its checksum fixed first, so that mutated bytes get past the CRC to the
//! decoders, then dispatched on its kind to the checks of its decoder (with the fixed keys for
//! answers).
#![no_main]

use hecate::Kind;
use hecate_fuzz::{KEY_1024, KEY_2048};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() > hecate::MAX_MESSAGE_LEN {
        return;
    }
    let mut message = data.to_vec();
    hecate::fuzzing::fix_checksum(&mut message);
    // Versions per kind: private keys and sealed files 1, public keys 1 (bare) or 2 (with a
    // proof), the rest 2.
    let version_ok = |tag: u8, version: u8| match tag {
        b'S' | b'E' => version == 1,
        b'P' => version == 1 || version == 2,
        _ => version == 2,
    };
    let envelope_ok = message.len() >= 9
        && message.starts_with(b"HCT")
        && b"PSCQAME".contains(&message[3])
        && version_ok(message[3], message[4]);
    let Some(kind) = hecate::fuzzing::kind(&message) else {
        assert!(
            !envelope_ok,
            "a well-formed envelope with its CRC fixed is refused"
        );
        return;
    };
    assert!(envelope_ok, "accepted a bad envelope");
    assert!(kind.version() == message[4] || (kind == Kind::PublicKey && message[4] == 1));
    let _ = hecate::key_bits(&message);
    match kind {
        Kind::PublicKey => hecate::fuzzing::public_key(&message),
        Kind::PrivateKey => hecate::fuzzing::private_key(&message, &mut hecate_fuzz::rng(0)),
        Kind::ModelCard => hecate::fuzzing::model_card(&message),
        Kind::Model => hecate::fuzzing::model(&message),
        Kind::Query => hecate::fuzzing::query(&message),
        Kind::Sealed => hecate::fuzzing::sealed(&message),
        Kind::Answer => {
            let _ = hecate::answer_addressee(&message);
            hecate::fuzzing::answer(&message, KEY_1024.public_key());
            hecate::fuzzing::answer(&message, KEY_2048.public_key());
        }
    }
});
