//! The passphrase dialog, in a modal window: a new passphrase (twice) to seal a key or model
//! being saved, or the passphrase of a sealed file being opened.

use eframe::egui::{self, text_edit::TextEditState};
use zeroize::Zeroizing;

use crate::app::passphrase::{PASSPHRASE_LEN, PassphraseDialog, Purpose};
use crate::app::{Command, PROBLEM_RED, Sealing, file_name};

/// Draws `dialog` over the window; the choice comes back as a [`Command::Passphrase`].
pub fn show(ctx: &egui::Context, dialog: &mut PassphraseDialog, commands: &mut Vec<Command>) {
    let mut choice = None;
    let busy = dialog.busy();
    let modal = egui::Modal::new(egui::Id::unique("passphrase")).show(ctx, |ui| {
        ui.set_max_width(460.0);
        match &dialog.purpose {
            Purpose::Save { command, path, .. } => {
                let what = if *command == Command::SaveKey {
                    "key"
                } else {
                    "model"
                };
                ui.heading(format!("Protect the {what} with a passphrase"));
                ui.label(format!(
                    "{} is sealed under it: without the passphrase the file is of no use, to \
                     anyone who takes it and to you.",
                    file_name(path)
                ));
                let (changed, enter) = masked(ui, "Passphrase", &mut dialog.typed);
                if changed {
                    dialog.typed_changed();
                }
                let enter = masked(ui, "Again", &mut dialog.again).1 || enter;
                if let Some(strength) = dialog.strength() {
                    if strength.is_strong() {
                        ui.label(strength.hint.as_str());
                    } else {
                        ui.colored_label(PROBLEM_RED, strength.hint.as_str());
                    }
                }
                if !dialog.again.is_empty() && dialog.typed != dialog.again {
                    ui.colored_label(PROBLEM_RED, "The two entries differ.");
                }
                let agreed = dialog.agreed();
                ui.horizontal(|ui| {
                    ui.add_enabled_ui(!busy, |ui| {
                        if ui.add_enabled(agreed, egui::Button::new("Save")).clicked()
                            || (agreed && enter)
                        {
                            choice = Some(Sealing::Seal);
                        }
                        if ui.button("Save without a passphrase").clicked() {
                            choice = Some(Sealing::Plain);
                        }
                    });
                    if ui.button("Cancel").clicked() {
                        choice = Some(Sealing::Cancel);
                    }
                });
                if busy {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Sealing...");
                    });
                }
            }
            Purpose::Open { path, kind, .. } => {
                ui.heading("Passphrase");
                ui.label(format!("The passphrase of {} (a {kind}):", file_name(path)));
                let (_, enter) = masked(ui, "Passphrase", &mut dialog.typed);
                if let Some(problem) = &dialog.problem {
                    ui.colored_label(PROBLEM_RED, problem.as_str());
                }
                let typed = !dialog.typed.is_empty();
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(typed && !busy, egui::Button::new("Open"))
                        .clicked()
                        || (typed && !busy && enter)
                    {
                        choice = Some(Sealing::Open);
                    }
                    if ui.button("Cancel").clicked() {
                        choice = Some(Sealing::Cancel);
                    }
                });
                if busy {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Opening...");
                    });
                }
            }
        }
    });
    // Escape or a click beside the window: cancelled.
    if choice.is_none() && modal.should_close() {
        choice = Some(Sealing::Cancel);
    }
    if let Some(choice) = choice {
        commands.push(Command::Passphrase(choice));
    }
}

/// A labelled, masked entry for `text`; whether it changed, and whether Enter was pressed in it.
fn masked(ui: &mut egui::Ui, label: &str, text: &mut Zeroizing<String>) -> (bool, bool) {
    ui.horizontal(|ui| {
        let label = ui.label(label);
        let output = egui::TextEdit::singleline(&mut **text)
            .password(true)
            .char_limit(PASSPHRASE_LEN)
            .show(ui);
        // egui's undo history keeps copies of the text, masked or not: none is kept.
        let mut state: TextEditState = output.state;
        state.clear_undoer();
        let response = output.response.response.labelled_by(label.id);
        state.store(ui.ctx(), response.id);
        let enter = response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
        (response.changed(), enter)
    })
    .inner
}
