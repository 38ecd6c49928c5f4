//! The customer's view: a key, the company's model card, the values, the query, the answer.

use std::time::Instant;

use eframe::egui::{self, RichText};

use super::{
    ENCRYPT, OPEN, SAVE, button, feature_row, headline, key_size, keyed_button, one_line, section,
    slot,
};
use crate::app::Command;
use crate::app::PROBLEM_RED;
use crate::app::customer::{Customer, DEFAULT_URL, KeyWork, sizes};
use crate::app::features;
use crate::workflows::ask::travels_in_the_clear;

/// Draws the customer's view.
pub fn show(ui: &mut egui::Ui, customer: &mut Customer, commands: &mut Vec<Command>) {
    ui.label(
        "You keep the key. Your values are encrypted on this computer; the company computes on \
         ciphertexts and only you can read the prediction.",
    );
    ui.with_layout(
        egui::Layout::right_to_left(egui::Align::Min),
        super::how_it_works::customer,
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
        keyed_button(ui, idle, "Open a key...", OPEN, Command::OpenKey, commands);
    });
    // One slot for what comes and goes (the key being made, a warning): the buttons below stay
    // where the mouse expects them.
    slot(ui, |ui| match work {
        Some((KeyWork::Generate(bits), started)) => {
            // Cancel first: the text after it grows.
            button(ui, true, "Cancel", Command::CancelKeygen, commands);
            ui.spinner();
            ui.label(format!(
                "Searching for two {}-bit primes... {:.1} s",
                bits / 2,
                started.elapsed().as_secs_f64()
            ));
        }
        Some((KeyWork::Open(path), _)) => {
            ui.spinner();
            one_line(ui, format!("Checking the key in {}...", path.display()));
        }
        // Until its answer is read: a query asked of a service comes back with it.
        None if customer.key_file.is_none()
            && customer.query.is_some()
            && customer.prediction.is_none() =>
        {
            one_line(
                ui,
                RichText::new(
                    "This key is only in memory: save it, or the answer to its query cannot be \
                     read.",
                )
                .color(PROBLEM_RED),
            );
        }
        None => {}
    });
    if let Some(key) = &customer.key {
        ui.horizontal(|ui| {
            button(
                ui,
                true,
                "Copy fingerprint",
                Command::CopyFingerprint,
                commands,
            );
            ui.label("Key");
            ui.monospace(format!("{:.16}", key.fingerprint))
                .on_hover_text(key.fingerprint.to_string());
            ui.label(format!("({} bits)", key.bits));
        });
        ui.horizontal(|ui| {
            // Not while another key is coming: it would take this one's place mid-save.
            let idle = customer.key_work().is_none();
            keyed_button(
                ui,
                idle,
                "Save the key...",
                SAVE,
                Command::SaveKey,
                commands,
            );
            match &customer.key_file {
                Some(path) => ui.label(format!("Saved in {}", path.display())),
                None => ui.label("Only in memory: save it to decrypt answers later."),
            };
        });
    }
}

fn card(ui: &mut egui::Ui, customer: &mut Customer, commands: &mut Vec<Command>) {
    section(ui, "2. The company's model");
    let idle = !customer.busy();
    ui.horizontal(|ui| {
        button(
            ui,
            idle,
            "Open a model card...",
            Command::OpenCard,
            commands,
        );
        if customer.card.is_none() {
            ui.label(
                "The company publishes it (.card): it names the features it needs. Playing both \
                 roles? In the Company view: Train, then Use this card in the Customer view.",
            );
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("or ask the company's service");
        let field = ui
            .add_enabled(
                idle,
                egui::TextEdit::singleline(&mut customer.company_url)
                    .hint_text(DEFAULT_URL)
                    .desired_width(280.0),
            )
            .labelled_by(label.id);
        let typed = !customer.company_url.trim().is_empty();
        let entered = field.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
        if idle && typed && entered {
            commands.push(Command::FetchCard);
        }
        button(
            ui,
            idle && typed,
            "Fetch its card",
            Command::FetchCard,
            commands,
        );
    });
    slot(ui, |ui| {
        if let Some(started) = customer.fetching_since() {
            waiting(ui, "Fetching the card", started, commands);
        } else if travels_in_the_clear(&customer.company_url) {
            one_line(
                ui,
                RichText::new(
                    "Plain http to another machine: anyone on the way could change the card or \
                     the answer (never read your values). Ask for its https address.",
                )
                .color(PROBLEM_RED),
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
    let editable =
        customer.query.is_none() && !customer.encrypting() && customer.asking_since().is_none();
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
                let hint = features::hint(name, declared);
                feature_row(ui, editable, name, text, hint, problem);
            }
        });
}

fn query(ui: &mut egui::Ui, customer: &Customer, commands: &mut Vec<Command>) {
    section(ui, "3. Encrypt and send");
    let blocker = customer.encrypt_blocker();
    let service = customer.card.as_ref().and_then(|card| card.url.as_deref());
    ui.horizontal(|ui| {
        let ready = blocker.is_none() && !customer.busy() && customer.query.is_none();
        keyed_button(ui, ready, "Encrypt", ENCRYPT, Command::Encrypt, commands);
        if service.is_some() {
            button(ui, ready, "Ask the company", Command::AskCompany, commands);
        }
        if let Some(started) = customer.asking_since() {
            waiting(
                ui,
                "Encrypting, sending, reading the answer",
                started,
                commands,
            );
        } else if customer.encrypting() {
            ui.spinner();
            ui.label("Encrypting...");
        } else if let (Some(blocker), None) = (&blocker, &customer.query) {
            ui.label(format!("To encrypt: {blocker}"));
        }
    });
    let Some(query) = &customer.query else {
        return;
    };
    match (service, &customer.prediction) {
        (Some(url), Some(_)) => ui.label(format!(
            "Sent to {url}: {} bytes. This is all the company received of your values:",
            query.bytes.len()
        )),
        _ => ui.label(format!(
            "Query: {} bytes. This is all the company receives of your values:",
            query.bytes.len()
        )),
    };
    for preview in &query.previews {
        ui.monospace(preview);
    }
    ui.horizontal(|ui| {
        button(ui, true, "Save the query...", Command::SaveQuery, commands);
        button(ui, true, "Change the values", Command::NewQuery, commands);
        // Both roles in one window: no file needed between them.
        button(
            ui,
            true,
            "Give the query to the Company view",
            Command::QueryToCompany,
            commands,
        );
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

/// The button that stops waiting, a spinner, and what is being waited for and for how long (in
/// that order: the text grows).
fn waiting(ui: &mut egui::Ui, what: &str, started: Instant, commands: &mut Vec<Command>) {
    button(ui, true, "Cancel", Command::CancelTalking, commands);
    ui.spinner();
    ui.label(format!(
        "{what}... {:.1} s",
        started.elapsed().as_secs_f64()
    ));
}
