//! The views: each draws its state and pushes what the user asked for as [`Command`]s; none
//! touches a file or the protocol.

use eframe::egui::{self, RichText};

use super::Command;
use super::customer::KEY_SIZES;

pub mod company;
pub mod customer;
pub mod passphrase;
pub mod question;
pub mod walkthrough;

/// A big, bold line for the result the user came for.
fn headline(ui: &mut egui::Ui, text: String) {
    ui.label(RichText::new(text).size(26.0).strong());
}

/// A button that pushes `command` when clicked, greyed out unless `enabled`.
fn button(
    ui: &mut egui::Ui,
    enabled: bool,
    label: &str,
    command: Command,
    commands: &mut Vec<Command>,
) {
    if ui.add_enabled(enabled, egui::Button::new(label)).clicked() {
        commands.push(command);
    }
}

/// A labelled choice of key size, greyed out unless `enabled`.
fn key_size(ui: &mut egui::Ui, enabled: bool, id: &str, bits: &mut u32) {
    ui.add_enabled_ui(enabled, |ui| {
        let label = ui.label("Key size");
        egui::ComboBox::from_id_salt(id)
            .selected_text(format!("{bits} bits"))
            .show_ui(ui, |ui| {
                for size in KEY_SIZES {
                    ui.selectable_value(bits, size, format!("{size} bits"));
                }
            })
            .response
            .labelled_by(label.id);
    });
}

/// A section's title.
fn section(ui: &mut egui::Ui, title: &str) {
    ui.add_space(6.0);
    ui.label(RichText::new(title).strong().size(16.0));
}
