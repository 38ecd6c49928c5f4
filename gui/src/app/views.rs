//! The views: each draws its state and pushes what the user asked for as [`Command`]s; none
//! touches a file or the protocol.

use eframe::egui::{self, RichText};

use super::customer::{INPUT_LEN, KEY_SIZES};
use super::{Command, PROBLEM_RED};

pub mod about;
pub mod company;
pub mod customer;
pub mod how_it_works;
pub mod passphrase;
pub mod question;
pub mod walkthrough;

/// A big, bold line for the result the user came for.
fn headline(ui: &mut egui::Ui, text: String) {
    ui.label(RichText::new(text).size(26.0).strong());
}

/// The keys of the main actions; the view shown says which of its buttons each presses.
pub const SHORTCUTS: [(egui::KeyboardShortcut, &str); 4] = [
    (OPEN, "open a key (Customer), queries (Company)"),
    (SAVE, "save the key (Customer), the model (Company)"),
    (ENCRYPT, "encrypt the values (Customer)"),
    (ANSWER, "answer the queries (Company)"),
];
const OPEN: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::O);
const SAVE: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::S);
const ENCRYPT: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::E);
const ANSWER: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::Enter);

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

/// [`button`], also pressed by `keys` while it is enabled and no modal window is over the view;
/// its tooltip says the keys.
fn keyed_button(
    ui: &mut egui::Ui,
    enabled: bool,
    label: &str,
    keys: egui::KeyboardShortcut,
    command: Command,
    commands: &mut Vec<Command>,
) {
    let shown = ui.ctx().format_shortcut(&keys);
    let clicked = ui
        .add_enabled(enabled, egui::Button::new(label))
        .on_hover_text(&shown)
        .on_disabled_hover_text(shown)
        .clicked();
    let layer = ui.layer_id();
    let pressed = enabled
        && ui.ctx().memory(|memory| memory.is_above_modal_layer(layer))
        && ui.input_mut(|input| input.consume_shortcut(&keys));
    if clicked || pressed {
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

/// A line of one row's height whether or not `add` puts anything in it: what comes and goes
/// there (a spinner, a warning) never moves the buttons below.
pub(super) fn slot(ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui)) {
    let height =
        ui.spacing().interact_size.y.max(
            ui.text_style_height(&egui::TextStyle::Button) + 2.0 * ui.spacing().button_padding.y,
        );
    ui.horizontal(|ui| {
        ui.set_min_height(height);
        add(ui);
    });
}

/// A label cut to the line it is on (whole on hover), so that it never takes a second line.
pub(super) fn one_line(ui: &mut egui::Ui, text: impl Into<RichText>) {
    let text = text.into();
    ui.add(egui::Label::new(text.clone()).truncate())
        .on_hover_text(text);
}

/// A section's title.
fn section(ui: &mut egui::Ui, title: &str) {
    ui.add_space(6.0);
    ui.label(RichText::new(title).strong().size(16.0));
}

/// A row of a grid of feature entries: the name, the entry (greyed out unless `editable`) with
/// `hint` inside, and the entry's problem beside it once something is typed.
fn feature_row(
    ui: &mut egui::Ui,
    editable: bool,
    name: &str,
    text: &mut String,
    hint: String,
    problem: Option<String>,
) {
    let label = ui.label(name);
    ui.add_enabled(
        editable,
        egui::TextEdit::singleline(text)
            // By name: a line appearing above (a problem) must not move the focus elsewhere.
            .id_salt(name)
            .char_limit(INPUT_LEN)
            .hint_text(hint)
            // A grid sizes a column by its widest cell of the last frame, which would keep the
            // entry as narrow as its first frame drew it.
            .min_size(egui::vec2(180.0, 0.0)),
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
