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
use hecate_app::workflows::{decrypt, encode, encrypt, keygen, predict, train};

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

/// The numbers of the README's paragraph that starts with `start`, up to its blank line, leaving
/// out the code spans (`--holdout 0.2` is an option, not a result).
fn decimals_after(start: &str) -> Vec<String> {
    let at = README
        .find(start)
        .unwrap_or_else(|| panic!("the README no longer says {start:?}"));
    let rest = &README[at..];
    let paragraph = &rest[..rest.find("\n\n").expect("a blank line")];
    let prose: String = paragraph.split('`').step_by(2).collect();
    prose
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|word| word.trim_matches('.'))
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The walkthrough's model: the sample, trained as the README's `hecate train` line does.
fn walkthrough_options() -> train::Options {
    train::Options {
        target: "salary".into(),
        features: None,
        holdout: Some(0.2),
        seed: 0,
        ranges: vec![("age".into(), 18.0, 100.0)],
    }
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
    let model = train::train(SAMPLE, &walkthrough_options())
        .expect("trains")
        .model;
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

#[test]
fn the_readmes_salaries_name_their_models() {
    let values = [36.0, 5.0, 5.0, 1.0];
    // The README's walkthrough: through the protocol, as `hecate decrypt` prints it.
    let trained = train::train(SAMPLE, &walkthrough_options()).expect("trains");
    let card = trained.model.card(&[2048]).expect("a card");
    let pair = keygen::generate(2048, &AtomicBool::new(false)).expect("a key");
    let query = encrypt::encrypt(&pair.private, &values, Some(&card), None).expect("a query");
    let answer = predict::predict(&trained.model, &query, &Default::default()).expect("answers");
    let decrypted = decrypt::decrypt(&pair.private, &answer).expect("decrypts");
    let trained_rows = trained.training_points.len();
    let held_rows = trained.holdout_points.len();
    let rows = trained_rows + held_rows;
    // The app's walkthrough: every row, no hold-out (`Story::new`).
    let every_row = train::Options {
        holdout: None,
        ranges: Vec::new(),
        ..walkthrough_options()
    };
    let app = train::train(SAMPLE, &every_row).expect("trains");
    assert_eq!(
        app.training_points.len(),
        rows,
        "the app trains on every row"
    );
    let app_salary = app.model.evaluate(&values).expect("evaluates");
    let stated = [
        "36".to_owned(),
        "5".to_owned(),
        "5".to_owned(),
        "1".to_owned(),
        format!("{:.2}", decrypted.value),
        trained_rows.to_string(),
        rows.to_string(),
        held_rows.to_string(),
        rows.to_string(),
        format!("{app_salary:.2}"),
    ];
    assert_eq!(
        decimals_after("For 36, 5, 5, 1 `decrypt` prints"),
        stated,
        "the README's salaries (the walkthrough's, its rows trained and held out; the app's)"
    );
}
