//! Passphrase-protected files, with their checksum fixed first: the core's decoder and its bounds,
//! then opening with a fixed passphrase where the costs are small enough to fuzz (a file asking
//! for more is refused by the same bounds whatever its cost, before any work). Opening must refuse
//! every mutation: nothing but the sealer's bytes opens.
#![no_main]

use hecate_app::sealing::{self, Passphrase};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() > hecate::MAX_MESSAGE_LEN {
        return;
    }
    let mut message = data.to_vec();
    hecate::fuzzing::fix_checksum(&mut message);
    hecate::fuzzing::sealed(&message);
    let Ok(sealed) = hecate::Sealed::from_bytes(&message) else {
        return;
    };
    if sealed.header.kdf.memory_kib > 64 || sealed.header.kdf.passes > 2 {
        return;
    }
    let passphrase = Passphrase::new("fuzz".into());
    if let Ok(inner) = sealing::open(&message, &passphrase) {
        // Only the seed corpus's files open: what they hold is what they name.
        assert!(
            hecate::Kind::of(&inner).map(|kind| kind == sealed.header.subject.kind()) == Ok(true),
            "opened a sealed file holding something else than it names"
        );
    }
});
