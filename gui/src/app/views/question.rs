//! The app's questions, in a modal window: before a key or model that lives only in memory is
//! replaced, or the window closes on it, and before a save replaces a file holding something else.

use eframe::egui;

use crate::app::customer::Customer;
use crate::app::{Command, Question, Reply, Then, Unsaved};

/// Draws `question` over the window (`unsaved` is what lives only in memory); the answer comes
/// back as a [`Command::Reply`].
pub fn show(
    ctx: &egui::Context,
    question: &Question,
    unsaved: &[Unsaved],
    customer: &Customer,
    commands: &mut Vec<Command>,
) {
    let mut reply = None;
    let modal = egui::Modal::new(egui::Id::unique("question")).show(ctx, |ui| {
        ui.set_max_width(460.0);
        let mut answer = |ui: &mut egui::Ui, label: &str, answer: Reply| {
            if ui.button(label).clicked() {
                reply = Some(answer);
            }
        };
        match question {
            Question::Discard(unsaved, then) => {
                ui.heading(match unsaved {
                    Unsaved::Key => "Save your key first?",
                    Unsaved::Model => "Save the model first?",
                });
                ui.label(format!(
                    "{} {} replaces it.",
                    in_memory(*unsaved, customer),
                    replacement(then)
                ));
                ui.horizontal(|ui| {
                    answer(ui, save_label(*unsaved), Reply::SaveFirst(*unsaved));
                    answer(
                        ui,
                        match unsaved {
                            Unsaved::Key => "Discard the key",
                            Unsaved::Model => "Discard the model",
                        },
                        Reply::Discard,
                    );
                    answer(ui, "Cancel", Reply::Cancel);
                });
            }
            Question::Quit => {
                ui.heading("Quit without saving?");
                for &work in unsaved {
                    ui.label(in_memory(work, customer));
                }
                ui.horizontal(|ui| {
                    for &work in unsaved {
                        answer(ui, save_label(work), Reply::SaveFirst(work));
                    }
                    answer(ui, "Quit without saving", Reply::Discard);
                    answer(ui, "Cancel", Reply::Cancel);
                });
            }
            Question::Replace(command, _, others) => {
                let names: Vec<String> = others.iter().map(|p| p.display().to_string()).collect();
                ui.heading("Replace what is there?");
                ui.label(format!(
                    "{} already {} something else, perhaps another {}: replacing loses it for \
                     good.",
                    names.join(" and "),
                    if names.len() == 1 { "holds" } else { "hold" },
                    if *command == Command::SaveKey {
                        "key"
                    } else {
                        "model"
                    }
                ));
                ui.horizontal(|ui| {
                    answer(ui, "Replace", Reply::Replace);
                    answer(ui, "Cancel", Reply::Cancel);
                });
            }
        }
    });
    // Escape or a click beside the window: nothing happens.
    if reply.is_none() && modal.should_close() {
        reply = Some(Reply::Cancel);
    }
    if let Some(reply) = reply {
        commands.push(Command::Reply(reply));
    }
}

/// What is lost with `unsaved`.
fn in_memory(unsaved: Unsaved, customer: &Customer) -> String {
    match (unsaved, &customer.key) {
        (Unsaved::Key, Some(key)) => format!(
            "Your key {:.16} is only in memory: without it, no answer to its queries can be read.",
            key.fingerprint
        ),
        (Unsaved::Key, None) => "Your key is only in memory.".to_owned(),
        (Unsaved::Model, _) => "The model trained here is only in memory.".to_owned(),
    }
}

/// What replaces the key or model unless the user stops it.
fn replacement(then: &Then) -> &'static str {
    match then {
        Then::Run(Command::GenerateKey) => "A new key",
        Then::Run(Command::OpenKey) | Then::OpenKey(..) => "Opening another key",
        Then::Run(Command::Train) => "Training again",
        Then::Run(Command::OpenModel) | Then::OpenModel(..) => "Opening another model",
        Then::Run(_) | Then::Quit => "Going on",
    }
}

fn save_label(unsaved: Unsaved) -> &'static str {
    match unsaved {
        Unsaved::Key => "Save the key first...",
        Unsaved::Model => "Save the model first...",
    }
}
