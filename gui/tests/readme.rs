//! The README's numbers that the code produces, produced again: a number that went stale fails
//! here instead of misleading a reader.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests panic to fail"
)]

use std::sync::atomic::AtomicBool;

use hecate::{KeySize, Paillier2048, Paillier3072, PublicKey};
use hecate_app::workflows::{encode, encrypt, keygen, predict, train};

const README: &str = include_str!("../../README.md");
const SAMPLE: &[u8] = include_bytes!("../../data/employees.csv");

/// The numbers in the README's sentence that starts with `start`, up to its full stop.
fn numbers_after(start: &str) -> Vec<usize> {
    let at = README
        .find(start)
        .unwrap_or_else(|| panic!("the README no longer says {start:?}"));
    let rest = &README[at + start.len()..];
    let sentence = &rest[..rest.find(".\n").expect("a full stop")];
    sentence
        .split(|c: char| !c.is_ascii_digit())
        .filter(|word| !word.is_empty())
        .map(|word| word.parse().expect("a number"))
        .collect()
}

/// Each message's size for the walkthrough's model (the sample, as the README trains it) and the
/// customer's values: public key bare and with its proof, private key, card, model, query, answer.
fn sizes<S: KeySize>(model: &hecate::Model, card: &hecate::ModelCard) -> Vec<usize> {
    let pair = keygen::generate(S::BITS, &AtomicBool::new(false)).expect("a key");
    let public = PublicKey::<S>::from_bytes(&pair.public).expect("the public key");
    let bare = encode(|out| public.to_bytes(out)).expect("encoded");
    let query =
        encrypt::encrypt(&pair.private, &[36.0, 5.0, 5.0, 1.0], Some(card), None).expect("a query");
    let answer = predict::predict(model, &query, &Default::default()).expect("an answer");
    vec![
        bare.len(),
        pair.public.len(),
        pair.private.len(),
        encode(|out| card.to_bytes(out)).expect("encoded").len(),
        encode(|out| model.to_bytes(out)).expect("encoded").len(),
        query.len(),
        answer.len(),
    ]
}

#[test]
fn message_sizes_are_the_readmes() {
    let options = train::Options {
        target: "salary".into(),
        features: None,
        holdout: Some(0.2),
        seed: 0,
        ranges: vec![("age".into(), 18.0, 100.0)],
    };
    let model = train::train(SAMPLE, &options).expect("trains").model;
    let card = model.card(&[2048, 3072, 4096]).expect("a card");
    let mut measured = vec![2048];
    measured.extend(sizes::<Paillier2048>(&model, &card));
    measured.push(3072);
    measured.extend(sizes::<Paillier3072>(&model, &card));
    assert_eq!(
        numbers_after("Sizes of the walkthrough's messages at "),
        measured,
        "the README's sizes (2048 bits: public key, with proof, private key, card, model, query, \
         answer; then 3072 bits)"
    );
}
