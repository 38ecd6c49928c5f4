//! The desktop app: the walkthrough of both roles side by side. State lives in `story` (no egui);
//! the views here only draw it and turn clicks into calls.

use eframe::egui::{self, Color32, RichText};
use serde::{Deserialize, Serialize};

pub mod story;

use story::{FEATURES, Step, Story};

/// Settings kept between runs (never a key or any other secret).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Bits of the walkthrough's key.
    pub bits: u32,
    /// The customer's last feature values.
    pub values: [f64; 4],
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bits: 2048,
            values: [36.0, 5.0, 5.0, 1.0],
        }
    }
}

/// The app.
#[derive(Debug)]
pub struct HecateApp {
    /// The walkthrough.
    pub story: Story,
}

impl HecateApp {
    /// The app with `settings`.
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        Ok(Self {
            story: Story::new(settings.values, settings.bits)?,
        })
    }

    /// The whole window's contents (also what the tests drive).
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        if self.story.poll() {
            ui.ctx().request_repaint();
        }
        if self.story.pending().is_some() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(50));
        }
        ui.heading("Hecate: a prediction without showing your data");
        ui.label(
            "The customer encrypts their features, the company computes its salary model on the \
             ciphertexts, and only the customer can read the answer.",
        );
        ui.separator();
        self.controls(ui);
        if let Some(error) = &self.story.error {
            ui.colored_label(Color32::RED, format!("Error: {error}"));
        }
        ui.separator();
        ui.columns(2, |columns| {
            if let [customer, company] = columns {
                self.customer(customer);
                self.company(company);
            }
        });
    }

    fn controls(&mut self, ui: &mut egui::Ui) {
        let busy = self.story.pending().is_some();
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!busy, egui::Button::new("Run the whole story"))
                .clicked()
            {
                self.story.run_all();
            }
            if let Some(step) = self.story.next_step()
                && ui
                    .add_enabled(!busy, egui::Button::new(step.label()))
                    .clicked()
            {
                self.story.advance();
            }
            if ui
                .add_enabled(!busy, egui::Button::new("Start over"))
                .clicked()
            {
                self.story.reset();
            }
            if let Some(step) = self.story.pending() {
                ui.spinner();
                ui.label(format!("{}...", step.label()));
            }
        });
    }

    fn customer(&mut self, ui: &mut egui::Ui) {
        let story = &mut self.story;
        ui.heading("Customer");
        ui.label("Sees everything of their own; their features never leave in the clear.");
        // The values are fixed once a query is being made from them.
        let editable = story.query.is_none() && story.pending().is_none();
        egui::Grid::new("features").show(ui, |ui| {
            for ((name, low, high), value) in FEATURES.iter().zip(&mut story.values) {
                let label = ui.label(*name);
                ui.add_enabled(
                    editable,
                    egui::DragValue::new(value).range(*low..=*high).speed(0.1),
                )
                .labelled_by(label.id);
                ui.end_row();
            }
        });
        step_line(
            ui,
            story,
            Step::Keygen,
            story
                .key
                .as_ref()
                .map(|pair| format!("key {:.16} ({} bits)", pair.fingerprint, story.bits)),
        );
        step_line(
            ui,
            story,
            Step::Encrypt,
            story
                .query
                .as_ref()
                .map(|(bytes, _)| format!("query: {} bytes", bytes.len())),
        );
        step_line(
            ui,
            story,
            Step::Send,
            story.sent.then(|| "sent to the company".to_owned()),
        );
        step_line(
            ui,
            story,
            Step::Return,
            story.returned.then(|| "answer received".to_owned()),
        );
        step_line(
            ui,
            story,
            Step::Decrypt,
            story
                .prediction
                .map(|p| format!("decrypted with the key {:.16}", p.fingerprint)),
        );
        if let Some(prediction) = &story.prediction {
            ui.add_space(8.0);
            ui.label(
                RichText::new(format!("Predicted salary: {:.2}", prediction.value))
                    .size(24.0)
                    .strong(),
            );
            if let Some(plain) = story.plaintext_prediction() {
                ui.label(format!("(the model in the clear: {plain:.2})"));
            }
        }
    }

    fn company(&mut self, ui: &mut egui::Ui) {
        let story = &self.story;
        ui.heading("Company");
        ui.label("Sees only ciphertexts, never the features or the prediction.");
        ui.label(format!(
            "Model: salary from {} (trained on the bundled sample, R² {:.3})",
            story.trained.features.join(", "),
            story.trained.training.r2
        ));
        match (&story.query, story.sent) {
            (Some((_, ciphertexts)), true) => {
                ui.label("Received query:");
                for (name, ciphertext) in story.trained.features.iter().zip(ciphertexts) {
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
            story
                .answer
                .as_ref()
                .map(|bytes| format!("answer: {} bytes, re-randomized", bytes.len())),
        );
    }
}

/// A step's status line.
fn step_line(ui: &mut egui::Ui, story: &Story, step: Step, done: Option<String>) {
    let text = match (done, story.pending() == Some(step)) {
        (Some(done), _) => format!("[x] {done}"),
        (None, true) => format!("[..] {}", step.label()),
        (None, false) => format!("[ ] {}", step.label()),
    };
    ui.label(text);
}

/// The eframe wrapper: loads and saves the settings.
struct Window {
    app: HecateApp,
}

impl eframe::App for Window {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.app.ui(ui));
        });
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let settings = Settings {
            bits: self.app.story.bits,
            values: self.app.story.values,
        };
        eframe::set_value(storage, eframe::APP_KEY, &settings);
    }
}

/// Opens the window.
pub fn run() -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([980.0, 640.0])
            .with_title("Hecate"),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "hecate",
        options,
        Box::new(|context| {
            let settings: Settings = context
                .storage
                .and_then(|storage| eframe::get_value(storage, eframe::APP_KEY))
                .unwrap_or_default();
            let app = HecateApp::new(&settings).map_err(|error| error.to_string())?;
            Ok(Box::new(Window { app }))
        }),
    )
    .map_err(|error| anyhow::anyhow!("cannot open the window: {error}"))
}
