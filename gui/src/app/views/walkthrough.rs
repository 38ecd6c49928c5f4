//! The walkthrough: both roles side by side, one step at a time, with what each side sees.

use eframe::egui;

use super::{button, feature_row, headline, how_it_works, key_size};
use crate::app::story::{Step, Story};
use crate::app::{Command, PROBLEM_RED, features};

/// Draws the walkthrough.
pub fn show(ui: &mut egui::Ui, story: &mut Story, commands: &mut Vec<Command>) {
    ui.label(
        "The customer encrypts their features, the company computes its salary model on the \
         ciphertexts, and only the customer can read the answer. New here? Run the whole story.",
    );
    controls(ui, story, commands);
    if let Some(error) = &story.error {
        ui.colored_label(PROBLEM_RED, format!("Error: {error}"));
    }
    ui.separator();
    ui.columns(2, |columns| {
        if let [customer_column, company_column] = columns {
            // Columns are cross-justified, which stretches wrapped lines to the column's width
            // with wide gaps between words: left-aligned, they wrap as text usually does.
            let left = egui::Layout::top_down(egui::Align::Min);
            customer_column.with_layout(left, |ui| customer(ui, story));
            company_column.with_layout(left, |ui| company(ui, story));
        }
    });
    // Neither side could compute this: the customer lacks the weights, the company the values.
    if story.prediction.is_some()
        && let Some(plain) = story.plaintext_prediction()
    {
        ui.separator();
        ui.weak(format!(
            "Check, outside the protocol: the same model in the clear predicts {plain:.2}."
        ));
    }
}

fn controls(ui: &mut egui::Ui, story: &mut Story, commands: &mut Vec<Command>) {
    let idle = story.pending().is_none();
    let ready = idle && blocker(story).is_none();
    ui.horizontal(|ui| {
        // What keeps its width first; the next step's button, whose label changes at every
        // step and which is gone at the end, after them: no button moves under the mouse.
        button(
            ui,
            ready,
            "Run the whole story",
            Command::RunStory,
            commands,
        );
        button(ui, idle, "Start over", Command::ResetStory, commands);
        // The size is fixed once the key exists.
        key_size(
            ui,
            idle && story.key.is_none(),
            "walkthrough key size",
            &mut story.bits,
        );
        if let Some(step) = story.next_step() {
            button(ui, ready, step.label(), Command::NextStep, commands);
        }
        if let Some(step) = story.pending() {
            ui.spinner();
            ui.label(format!("{}...", step.label()));
        }
        // At the right end, where nothing before it moves it.
        ui.with_layout(
            egui::Layout::right_to_left(egui::Align::Center),
            how_it_works::walkthrough,
        );
    });
}

/// What stops the story: values with a problem, unless their query is made already.
fn blocker(story: &Story) -> Option<String> {
    match story.values() {
        Err(problem) if story.query.is_none() => Some(format!("{problem:#}")),
        _ => None,
    }
}

fn customer(ui: &mut egui::Ui, story: &mut Story) {
    ui.heading("Customer");
    ui.label("Sees everything of their own; their features never leave in the clear.");
    // The values are fixed once a query is being made from them.
    let editable = story.query.is_none() && story.pending().is_none();
    let problems = story.input_problems();
    let model = &story.trained.model;
    egui::Grid::new("walkthrough features")
        .num_columns(3)
        .show(ui, |ui| {
            for (((name, spec), text), problem) in model
                .features()
                .iter()
                .zip(model.specs())
                .zip(&mut story.inputs)
                .zip(problems)
            {
                let hint = features::hint(name.as_str(), spec.range());
                feature_row(ui, editable, name.as_str(), text, hint, problem);
            }
        });
    // Below the entries, so that no button above moves when it comes or goes.
    if let Some(problem) = blocker(story) {
        ui.colored_label(PROBLEM_RED, format!("To run: {problem}"));
    }
    let bits = story.bits;
    let lines = [
        (
            Step::Keygen,
            story
                .key
                .as_ref()
                .map(|pair| format!("key {:.16} ({bits} bits)", pair.fingerprint)),
        ),
        (
            Step::Encrypt,
            story
                .query
                .as_ref()
                .map(|query| format!("query: {} bytes", query.bytes.len())),
        ),
        (
            Step::Send,
            story.sent.then(|| "sent to the company".to_owned()),
        ),
        (
            Step::Return,
            story
                .answer
                .as_ref()
                .filter(|_| story.returned)
                .map(|(_, ciphertext)| format!("answer received: {ciphertext}")),
        ),
        (
            Step::Decrypt,
            story
                .prediction
                .map(|p| format!("decrypted with the key {:.16}", p.fingerprint)),
        ),
    ];
    for (step, done) in lines {
        step_line(ui, story, step, done);
    }
    if let Some(prediction) = &story.prediction {
        ui.add_space(8.0);
        headline(ui, format!("Predicted salary: {:.2}", prediction.value));
        ui.weak(format!("by the company's model, {}", story.model_origin()));
    }
}

fn company(ui: &mut egui::Ui, story: &Story) {
    ui.heading("Company");
    ui.label("Sees only ciphertexts, never the features or the prediction.");
    ui.label(format!(
        "Model: salary from {} ({}, R² {:.3})",
        story.trained.features.join(", "),
        story.model_origin(),
        story.trained.training.r2
    ));
    match (&story.query, story.sent) {
        (Some(query), true) => {
            // The query carries the customer's public key: its fingerprint is public.
            if let Some(key) = &story.key {
                ui.label(format!(
                    "Received a query from the key {:.16}:",
                    key.fingerprint
                ));
            }
            for (name, ciphertext) in story.trained.features.iter().zip(&query.previews) {
                ui.monospace(format!("{name:<17} {ciphertext}"));
            }
        }
        _ => {
            ui.label("Waiting for a query.");
        }
    }
    step_line(
        ui,
        story,
        Step::Compute,
        story.answer.as_ref().map(|(bytes, ciphertext)| {
            format!(
                "answer: {ciphertext} ({} bytes), re-randomized: only the customer's key opens it",
                bytes.len()
            )
        }),
    );
}

/// A step's status line.
fn step_line(ui: &mut egui::Ui, story: &Story, step: Step, done: Option<String>) {
    // Marks from egui's bundled emoji fonts: they render on any desktop.
    let text = match (done, story.pending() == Some(step)) {
        (Some(done), _) => format!("✔ {done}"),
        (None, true) => format!("⏳ {}", step.label()),
        (None, false) => format!("☐ {}", step.label()),
    };
    ui.label(text);
}
