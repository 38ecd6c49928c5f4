//! The About window: the version, what Hecate does, the arithmetic in use, the keys of the main
//! actions.

use eframe::egui;

use super::SHORTCUTS;
use crate::app::Command;

/// Draws the About window over the app's; closing it comes back as `Command::About(false)`.
pub fn show(ctx: &egui::Context, commands: &mut Vec<Command>) {
    let mut close = false;
    let modal = egui::Modal::new(egui::Id::unique("about")).show(ctx, |ui| {
        ui.set_max_width(460.0);
        ui.heading(format!("Hecate {}", env!("CARGO_PKG_VERSION")));
        ui.label(
            "Private prediction with Paillier encryption: the company computes its model on the \
             customer's encrypted values, and only the customer can read the prediction.",
        );
        ui.label(format!("License: {}", env!("CARGO_PKG_LICENSE")));
        // What `hecate bench` measures on this machine: a user comparing speeds needs it.
        ui.label(format!(
            "Arithmetic: {} (constant-time)",
            hecate::Arithmetic::in_use().name()
        ));
        ui.add_space(6.0);
        ui.strong("Keys");
        egui::Grid::new("about shortcuts").show(ui, |ui| {
            for (keys, action) in SHORTCUTS {
                ui.monospace(ctx.format_shortcut(&keys));
                ui.label(action);
                ui.end_row();
            }
        });
        ui.add_space(6.0);
        close = ui.button("Close").clicked();
    });
    if close || modal.should_close() {
        commands.push(Command::About(false));
    }
}
