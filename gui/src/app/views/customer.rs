//! The customer's view: a key, the company's model card, the values, the query, the answer.

use eframe::egui::{self, RichText};

use super::{button, headline, key_size, section};
use crate::app::Command;
use crate::app::PROBLEM_RED;
use crate::app::customer::{Customer, INPUT_LEN, KeyWork, sizes};
use crate::app::features;

/// Draws the customer's view.
pub fn show(ui: &mut egui::Ui, customer: &mut Customer, commands: &mut Vec<Command>) {
    ui.label(
        "You keep the key. Your values are encrypted on this computer; the company computes on \
         ciphertexts and only you can read the prediction.",
    );
    key(ui, customer, commands);
    card(ui, customer, commands);
    query(ui, customer, commands);
    answer(ui, customer, commands);
}

fn key(ui: &mut egui::Ui, customer: &mut Customer, commands: &mut Vec<Command>) {
    section(ui, "1. Your key");
    let work = customer
        .key_work()
        .map(|(work, started)| (work.clone(), started));
    // A new key while a query is being made or read would orphan it.
    let idle = !customer.busy();
    ui.horizontal(|ui| {
        key_size(ui, idle, "key size", &mut customer.bits);

        button(ui, idle, "Generate a key", Command::GenerateKey, commands);
        button(ui, idle, "Open a key...", Command::OpenKey, commands);
    });
    if customer.key_file.is_none() && customer.query.is_some() {
        ui.colored_label(
            PROBLEM_RED,
            "This key is only in memory: save it, or the answer to its query cannot be read.",
        );
    }
    match work {
        Some((KeyWork::Generate(bits), started)) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!(
                    "Searching for two {}-bit primes... {:.1} s",
                    bits / 2,
                    started.elapsed().as_secs_f64()
                ));
                button(ui, true, "Cancel", Command::CancelKeygen, commands);
            });
        }
        Some((KeyWork::Open(path), _)) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!("Checking the key in {}...", path.display()));
            });
        }
        None => {}
    }
    if let Some(key) = &customer.key {
        ui.horizontal(|ui| {
            ui.label("Key");
            ui.monospace(format!("{:.16}", key.fingerprint))
                .on_hover_text(key.fingerprint.to_string());
            ui.label(format!("({} bits)", key.bits));
            button(
                ui,
                true,
                "Copy fingerprint",
                Command::CopyFingerprint,
                commands,
            );
        });
        ui.horizontal(|ui| {
            match &customer.key_file {
                Some(path) => ui.label(format!("Saved in {}", path.display())),
                None => ui.label("Only in memory: save it to decrypt answers later."),
            };
            // Not while another key is coming: it would take this one's place mid-save.
            let idle = customer.key_work().is_none();
            button(ui, idle, "Save the key...", Command::SaveKey, commands);
        });
    }
}

fn card(ui: &mut egui::Ui, customer: &mut Customer, commands: &mut Vec<Command>) {
    section(ui, "2. The company's model");
    ui.horizontal(|ui| {
        button(
            ui,
            !customer.encrypting(),
            "Open a model card...",
            Command::OpenCard,
            commands,
        );
        if customer.card.is_none() {
            ui.label(
                "The company publishes it (.card): it names the features it needs. Try the \
                 Company view: Train, then Publish the model card.",
            );
        }
    });
    let Some(card) = &customer.card else {
        return;
    };
    let names: Vec<&str> = card.card.features().iter().map(|n| n.as_str()).collect();
    ui.label(format!(
        "{}: predicts {} from {} (model {:.8}..., keys of {} bits)",
        card.name,
        card.card.target(),
        names.join(", "),
        card.card.id(),
        sizes(card.card.key_sizes())
    ));
    let problems = customer.input_problems();
    let editable = customer.query.is_none() && !customer.encrypting();
    egui::Grid::new("customer features")
        .num_columns(3)
        .show(ui, |ui| {
            let specs = card.card.specs().iter().map(hecate::FeatureSpec::range);
            for (((name, text), problem), declared) in names
                .iter()
                .zip(&mut customer.inputs)
                .zip(problems)
                .zip(specs)
            {
                let label = ui.label(*name);
                ui.add_enabled(
                    editable,
                    egui::TextEdit::singleline(&mut **text)
                        .char_limit(INPUT_LEN)
                        .hint_text(features::hint(name, declared))
                        .desired_width(120.0),
                )
                .labelled_by(label.id);
                match problem {
                    Some(problem) if !text.is_empty() => {
                        ui.colored_label(PROBLEM_RED, problem);
                    }
                    _ => {
                        ui.label("");
                    }
                }
                ui.end_row();
            }
        });
}

fn query(ui: &mut egui::Ui, customer: &Customer, commands: &mut Vec<Command>) {
    section(ui, "3. Encrypt and send");
    let blocker = customer.encrypt_blocker();
    ui.horizontal(|ui| {
        let ready = blocker.is_none() && !customer.encrypting() && customer.query.is_none();
        button(ui, ready, "Encrypt", Command::Encrypt, commands);
        if customer.encrypting() {
            ui.spinner();
            ui.label("Encrypting...");
        } else if let (Some(blocker), None) = (&blocker, &customer.query) {
            ui.label(format!("To encrypt: {blocker}"));
        }
    });
    let Some(query) = &customer.query else {
        return;
    };
    ui.label(format!(
        "Query: {} bytes. This is all the company receives of your values:",
        query.bytes.len()
    ));
    for preview in &query.previews {
        ui.monospace(preview);
    }
    ui.horizontal(|ui| {
        button(ui, true, "Save the query...", Command::SaveQuery, commands);
        button(ui, true, "Change the values", Command::NewQuery, commands);
        if let Some(path) = &query.saved {
            ui.label(format!(
                "Saved in {}: send it to the company.",
                path.display()
            ));
        }
    });
}

fn answer(ui: &mut egui::Ui, customer: &Customer, commands: &mut Vec<Command>) {
    section(ui, "4. Read the answer");
    ui.horizontal(|ui| {
        button(
            ui,
            customer.key.is_some() && !customer.decrypting(),
            "Open an answer...",
            Command::OpenAnswer,
            commands,
        );
        if customer.decrypting() {
            ui.spinner();
            ui.label("Decrypting...");
        }
    });
    if let Some(prediction) = &customer.prediction {
        // The card's name for the value only if the answer came from the card's model.
        let target = customer
            .card
            .as_ref()
            .filter(|card| card.card.id() == prediction.model)
            .map_or("value", |card| card.card.target());
        headline(ui, format!("Predicted {target}: {:.2}", prediction.value));
        ui.label(
            RichText::new(format!(
                "Answered by the model {:.8}... for the key {:.16}",
                prediction.model, prediction.fingerprint
            ))
            .weak(),
        );
    }
}
