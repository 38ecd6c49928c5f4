//! The desktop app without a display (egui_kittest): the walkthrough clicked through by its
//! button labels, the shown salary compared with the plaintext model's prediction.

#![cfg(feature = "gui")]
#![allow(clippy::expect_used, clippy::panic, reason = "tests panic to fail")]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hecate_gui::app::{HecateApp, Settings};

fn harness(values: [f64; 4]) -> Harness<'static, HecateApp> {
    let app = HecateApp::new(&Settings { bits: 2048, values }).expect("the app starts");
    Harness::new_ui_state(|ui, app: &mut HecateApp| app.ui(ui), app)
}

/// Steps the UI until the story has no work on its worker thread.
fn settle(harness: &mut Harness<'static, HecateApp>) {
    let start = Instant::now();
    loop {
        harness.step();
        if harness.state().story.pending().is_none() {
            harness.step();
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the story did not finish"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn one_click_runs_the_whole_story() {
    let mut harness = harness([36.0, 5.0, 5.0, 1.0]);
    harness.get_by_label("Run the whole story").click();
    settle(&mut harness);
    // A worker thread per step: settle until the last step is done.
    while harness.state().story.prediction.is_none() {
        assert!(
            harness.state().story.error.is_none(),
            "{:?}",
            harness.state().story.error
        );
        settle(&mut harness);
    }
    let story = &harness.state().story;
    let decrypted = story.prediction.expect("a prediction").value;
    let plain = story.plaintext_prediction().expect("the plaintext model");
    assert!(
        (decrypted - plain).abs() < 1e-9 * plain.abs(),
        "{decrypted} vs {plain}"
    );
    harness.get_by_label(&format!("Predicted salary: {decrypted:.2}"));
}

#[test]
fn step_by_step_shows_the_company_only_ciphertexts() {
    let mut harness = harness([61.0, 8.0, 1.0, 0.0]);
    for label in [
        "1. Generate the customer's key",
        "2. Encrypt the features",
        "3. Send the query",
        "4. Compute on ciphertexts",
        "5. Return the answer",
        "6. Decrypt the prediction",
    ] {
        harness.get_by_label(label).click();
        settle(&mut harness);
        assert!(
            harness.state().story.error.is_none(),
            "{label}: {:?}",
            harness.state().story.error
        );
    }
    let story = &harness.state().story;
    let (_, ciphertexts) = story.query.as_ref().expect("a query");
    assert_eq!(ciphertexts.len(), 4);
    assert!(
        ciphertexts
            .iter()
            .all(|c| c.starts_with("0x") && c.contains("..."))
    );
    let decrypted = story.prediction.expect("a prediction").value;
    let plain = story.plaintext_prediction().expect("the plaintext model");
    assert!((decrypted - plain).abs() < 1e-9 * plain.abs());
}
