//! What a first-time user meets in the walkthrough (egui_kittest, no display): its "How it works"
//! window, its columns' text wrapping as text does, and its salary saying which model gave it.

#![cfg(feature = "gui")]
#![allow(clippy::expect_used, clippy::panic, reason = "tests panic to fail")]

use std::time::{Duration, Instant};

use eframe::egui::{self, accesskit::Role, epaint::Shape};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hecate_app::app::company::SAMPLE;
use hecate_app::app::story::DEFAULT_VALUES;
use hecate_app::app::{HecateApp, Settings};
use hecate_app::workflows::train;

fn harness() -> Harness<'static, HecateApp> {
    // No file is opened or saved here: the app's own dialogs are never asked.
    let app = HecateApp::new(&Settings::default(), None).expect("app starts");
    Harness::builder()
        .with_size(egui::vec2(1100.0, 900.0))
        .build_ui_state(
            // As eframe runs it: the logic of the frame, then its contents.
            |ui, app: &mut HecateApp| {
                app.logic(ui.ctx());
                app.ui(ui);
            },
            app,
        )
}

/// Steps the UI until no view has work on a worker thread.
fn settle(harness: &mut Harness<'static, HecateApp>) {
    let start = Instant::now();
    loop {
        harness.step();
        if !harness.state().busy() {
            harness.run_steps(2);
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the work did not finish"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs the whole story at the smallest key size.
fn run_story(harness: &mut Harness<'static, HecateApp>) {
    harness.state_mut().story.bits = 2048;
    harness.get_by_label("Run the whole story").click();
    settle(harness);
    assert!(
        harness.state().story.prediction.is_some(),
        "the story ran: {:?}",
        harness.state().story.error
    );
}

#[test]
fn how_it_works_opens_over_the_walkthrough_and_names_what_travels() {
    let mut harness = harness();
    settle(&mut harness);
    let title = "How it works: the walkthrough";
    assert!(harness.query_by_label(title).is_none(), "closed at first");
    let run = harness.get_by_label("Run the whole story").rect();
    harness.get_by_label("How it works").click();
    settle(&mut harness);
    harness.get_by_label(title);
    for heading in [
        "Secret",
        "Travels to the company",
        "Travels back",
        "What each side learns",
    ] {
        harness.get_by_label(heading);
    }
    harness.get_by_label_contains("a proof that the key is well formed");
    harness.get_by_label_contains("re-randomizes");
    harness.get_by_label_contains("nothing of the values");
    // A window over the view: nothing in the view moved for it.
    assert_eq!(harness.get_by_label("Run the whole story").rect(), run);
    harness
        .get_by_role_and_label(Role::Button, "How it works")
        .click();
    settle(&mut harness);
    assert!(harness.query_by_label(title).is_none(), "closed again");
}

#[test]
fn the_walkthroughs_columns_wrap_without_justifying() {
    let mut harness = harness();
    run_story(&mut harness);
    let mut wrapped = Vec::new();
    for clipped in &harness.output().shapes {
        if let Shape::Text(text) = &clipped.shape
            && text.galley.rows.len() > 1
        {
            wrapped.push((text.galley.text().to_owned(), text.galley.job.justify));
        }
    }
    assert!(
        wrapped
            .iter()
            .any(|(text, _)| text.contains("only the customer's key opens it")),
        "the company's answer line wraps at this width: {wrapped:?}"
    );
    let justified: Vec<_> = wrapped
        .iter()
        .filter(|(_, justify)| *justify)
        .map(|(text, _)| text)
        .collect();
    assert!(
        justified.is_empty(),
        "stretched to the column's width: {justified:?}"
    );
}

#[test]
fn the_walkthroughs_salary_says_which_model_it_comes_from() {
    let mut harness = harness();
    run_story(&mut harness);
    // The model the walkthrough says it uses, trained again here: every row of the sample.
    let rows = std::str::from_utf8(SAMPLE)
        .expect("UTF-8")
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .count();
    let options = train::Options {
        target: "salary".into(),
        features: None,
        holdout: None,
        seed: 0,
        ranges: Vec::new(),
    };
    let salary = train::train(SAMPLE, &options)
        .expect("trains")
        .model
        .evaluate(&DEFAULT_VALUES)
        .expect("evaluates");
    let origin = format!("trained on all {rows} rows of the bundled sample");
    harness.get_by_label(&format!("Predicted salary: {salary:.2}"));
    harness.get_by_label(&format!("by the company's model, {origin}"));
    harness.get_by_label_contains(&format!("({origin}, R²"));
}
