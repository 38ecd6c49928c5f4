//! Model card messages: whatever decodes has valid, distinct names, one spec per name, exponents in
//! range, a mask equal to the oracle's recomputation from its published encoding and fitting every
//! key size it accepts, and re-encodes to exactly its bytes.
//!
//! Each input is checked as given and again with its CRC made right, so that blind mutations
//! reach the rules behind the checksum.
#![no_main]

use hecate::ModelCard;
use libfuzzer_sys::fuzz_target;

/// The checks, on one input.
fn check(data: &[u8]) {
    hecate::fuzzing::model_card(data);
    if let Ok(card) = ModelCard::from_bytes(data) {
        let names: Vec<String> = card.features().iter().map(|n| n.to_string()).collect();
        assert!(
            hecate_fuzz::valid_names(&names),
            "accepted invalid names {names:?}"
        );
        assert!(
            hecate_fuzz::valid_name(card.target()),
            "accepted an invalid target"
        );
        assert!(hecate_fuzz::valid_exponent(card.weight_exponent()));
        assert!(card.key_sizes().len() <= 4);
        assert_eq!(card.specs().len(), names.len(), "specs and names disagree");
        // The mask, recomputed from the published encoding by the num-bigint oracle, fits every
        // key size the card accepts.
        let mask_bits = hecate_fuzz::mask_bits_oracle(
            card.specs(),
            card.weight_exponent(),
            card.weight_bits(),
            card.intercept_bits(),
        );
        assert_eq!(mask_bits, Some(card.mask_bits()), "the mask disagrees");
        assert!(
            card.key_sizes()
                .iter()
                .all(|bits| card.mask_bits() <= bits - 2)
        );
        assert!(hecate_fuzz::valid_exponent(card.answer_exponent()));
        let again = hecate_fuzz::encode(|out| card.to_bytes(out));
        // Only the canonical encoding is accepted (postcard alone reads overlong varints).
        assert_eq!(again, data, "a card has a second encoding");
        assert!(hecate::key_bits(data).is_err());
    }
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
