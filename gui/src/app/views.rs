//! The views: each draws its state and pushes what the user asked for as [`Command`]s; none
//! touches a file or the protocol.

use eframe::egui::{self, RichText};

use super::Command;

pub mod company;
pub mod customer;
pub mod walkthrough;

use super::PROBLEM_RED as PROBLEM;

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

/// A section's title.
fn section(ui: &mut egui::Ui, title: &str) {
    ui.add_space(6.0);
    ui.label(RichText::new(title).strong().size(16.0));
}
