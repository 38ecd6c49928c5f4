//! The company's view: train and publish a model, answer queries, and the log of what was served.

use eframe::egui::{self, Color32};
use egui_plot::{Corner, GridInput, Legend, Line, Plot, Points, uniform_grid_spacer};

use super::{ANSWER, OPEN, SAVE, button, keyed_button, section, slot};
use crate::app::Command;
use crate::app::company::{Company, Status};
use crate::app::{PROBLEM_RED, count};
use crate::workflows::train::{Fit, Trained};

/// Points plotted per series.
const MAX_PLOTTED: usize = 4000;

/// Draws the company's view.
pub fn show(ui: &mut egui::Ui, company: &mut Company, commands: &mut Vec<Command>) {
    ui.label(
        "You keep the model. Queries arrive encrypted under the customer's key: you compute on \
         ciphertexts and never see their values or the prediction.",
    );
    ui.with_layout(
        egui::Layout::right_to_left(egui::Align::Min),
        super::how_it_works::company,
    );
    train(ui, company, commands);
    queries(ui, company, commands);
    log(ui, company);
}

fn train(ui: &mut egui::Ui, company: &mut Company, commands: &mut Vec<Command>) {
    section(ui, "1. The model");
    let idle = !company.busy();
    // Buttons first in each row, what changes after them: a longer name never moves a button.
    ui.horizontal(|ui| {
        button(ui, idle, "Open a CSV...", Command::OpenCsv, commands);
        button(ui, idle, "Use the sample", Command::UseSample, commands);
        ui.label(format!("Training data: {}", company.data_name));
    });
    ui.horizontal(|ui| {
        let label = ui.label("Predict");
        egui::ComboBox::from_id_salt("target")
            .selected_text(company.target.as_str())
            .show_ui(ui, |ui| {
                for column in &company.columns {
                    ui.selectable_value(&mut company.target, column.clone(), column);
                }
            })
            .response
            .labelled_by(label.id);
        ui.label("from the other columns; hold out");
        ui.add(
            egui::Slider::new(&mut company.holdout, 0.0..=0.5)
                .fixed_decimals(2)
                .text("of the rows"),
        );
        button(ui, idle, "Train", Command::Train, commands);
        button(ui, idle, "Open a model...", Command::OpenModel, commands);
        if company.training() {
            ui.spinner();
            ui.label("Training...");
        }
    });
    let has_model = company.model().is_some();
    ui.horizontal(|ui| {
        button(
            ui,
            has_model,
            "Publish the model card...",
            Command::PublishCard,
            commands,
        );
        // Both roles in one window: no file needed between them.
        button(
            ui,
            has_model,
            "Use this card in the Customer view",
            Command::CardToCustomer,
            commands,
        );
        // Not while another model is coming: it would take this one's place mid-save.
        keyed_button(
            ui,
            has_model && !company.training(),
            "Save the model...",
            SAVE,
            Command::SaveModel,
            commands,
        );
    });
    if let Some((trained, trained_on)) = &company.trained {
        report(ui, trained, trained_on);
    } else if let Some((model, name)) = &company.opened {
        let names: Vec<&str> = model.features().iter().map(|n| n.as_str()).collect();
        ui.label(format!(
            "Serving {name}: predicts {} from {} (model {:.8}...)",
            model.target(),
            names.join(", "),
            model.id()
        ));
    }
}

/// The model trained on the data named `trained_on`, and how well it fits.
fn report(ui: &mut egui::Ui, trained: &Trained, trained_on: &str) {
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            // The data opened since may be other data: say which this model comes from.
            ui.label(format!("Trained on {trained_on}:"));
            equation(ui, trained);
        });
        ui.add_space(24.0);
        plot(ui, trained);
    });
}

/// The model as it is served: its fixed-point weights, which equal the fit's unless quantizing
/// rounded them.
fn equation(ui: &mut egui::Ui, trained: &Trained) {
    let model = &trained.model;
    ui.label(format!(
        "{} = {:+.4}",
        model.target(),
        model.intercept_f64()
    ));
    egui::Grid::new("coefficients").show(ui, |ui| {
        for (name, weight) in model.features().iter().zip(model.weights_f64()) {
            ui.monospace(format!("    {weight:+.6}"));
            // As the command line prints it.
            ui.label(format!("· {}", name.as_str()));
            ui.end_row();
        }
    });
    let quantization = &trained.quantization;
    ui.label(if quantization.max_absolute_error > 0.0 {
        format!(
            "Weights rounded for encryption: worst relative error {:.1e}",
            quantization.max_relative_error
        )
    } else {
        "Every weight served exactly as fitted.".to_owned()
    });
    ui.label(fit("Training", &trained.training));
    if let Some(holdout) = &trained.holdout {
        ui.label(fit("Hold-out", holdout));
    }
}

/// Predicted against actual for every row: on the diagonal is a perfect prediction.
fn plot(ui: &mut egui::Ui, trained: &Trained) {
    let (low, high) = trained
        .training_points
        .iter()
        .chain(&trained.holdout_points)
        .fold(
            (f64::INFINITY, f64::NEG_INFINITY),
            |(low, high), [actual, _]| (low.min(*actual), high.max(*actual)),
        );
    Plot::new("predicted vs actual")
        .width(420.0)
        .height(320.0)
        .data_aspect(1.0)
        .x_grid_spacer(uniform_grid_spacer(round_steps))
        .y_grid_spacer(uniform_grid_spacer(round_steps))
        .x_axis_label(format!("actual {}", trained.model.target()))
        .y_axis_label("predicted")
        .legend(Legend::default().position(Corner::RightBottom))
        .show(ui, |plot| {
            if low.is_finite() && high.is_finite() {
                plot.line(Line::new(
                    "perfect prediction",
                    vec![[low, low], [high, high]],
                ));
            }
            plot.points(
                Points::new("training rows", thinned(&trained.training_points)).radius(2.0),
            );
            if !trained.holdout_points.is_empty() {
                plot.points(
                    Points::new("held-out rows", thinned(&trained.holdout_points))
                        .radius(2.5)
                        .color(Color32::from_rgb(230, 140, 30)),
                );
            }
        });
}

/// Grid steps of 1, 2 or 5 times a power of ten, three to seven and a half across the axis, each
/// labelled. egui_plot's default steps by powers of ten alone: salaries on an axis widened to the
/// predictions' range (for the diagonal at 45°) spanned ~10 000, too dense at 1 000 to label,
/// and 10 000 apart only "0" was in view.
fn round_steps(input: GridInput) -> [f64; 3] {
    match round_step((input.bounds.1 - input.bounds.0).abs()) {
        Some(step) => [step / 5.0, step, step * 10.0],
        // No range to divide: no lines rather than countless ones.
        None => [f64::MAX; 3],
    }
}

/// The largest of 1, 2 or 5 times a power of ten that divides `span` into three or more steps
/// (fewer than 7.5, as the three are at most 2.5 times apart); none for a span that is not a
/// positive number.
fn round_step(span: f64) -> Option<f64> {
    let rough = span / 3.0;
    if !(rough.is_finite() && rough > 0.0) {
        return None;
    }
    let power = 10f64.powf(rough.log10().floor());
    // Just below a power of ten, log10 may round up to it: then 5 times the power below.
    Some(
        [5.0, 2.0, 1.0]
            .into_iter()
            .map(|mantissa| mantissa * power)
            .find(|step| *step <= rough)
            .unwrap_or(power / 2.0),
    )
}

/// At most [`MAX_PLOTTED`] of `points`, evenly spread: the plot is redrawn every frame and a
/// large table would slow the window without showing more.
fn thinned(points: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let stride = points.len().div_ceil(MAX_PLOTTED).max(1);
    points.iter().step_by(stride).copied().collect()
}

fn fit(what: &str, fit: &Fit) -> String {
    let r2 = if fit.r2.is_finite() {
        format!("{:.4}", fit.r2)
    } else {
        "n/a".to_owned()
    };
    format!("{what}: R² {r2}, RMSE {:.4} ({} rows)", fit.rmse, fit.rows)
}

fn queries(ui: &mut egui::Ui, company: &Company, commands: &mut Vec<Command>) {
    section(ui, "2. Queries");
    let idle = !company.busy();
    let (ready, unsaved) = (company.ready(), company.unsaved());
    ui.horizontal(|ui| {
        keyed_button(
            ui,
            idle,
            "Open queries...",
            OPEN,
            Command::OpenQueries,
            commands,
        );
        keyed_button(
            ui,
            idle && ready > 0 && company.model().is_some(),
            &format!("Answer {}", count(ready, "query", "queries")),
            ANSWER,
            Command::AnswerAll,
            commands,
        );
        button(
            ui,
            idle && unsaved > 0,
            &format!("Save {}...", count(unsaved, "answer", "answers")),
            Command::SaveAnswers,
            commands,
        );
        button(
            ui,
            idle && !company.queries.is_empty(),
            "Clear",
            Command::ClearQueries,
            commands,
        );
    });
    slot(ui, |ui| {
        if let Some((done, total)) = company.progress() {
            #[allow(
                clippy::cast_precision_loss,
                reason = "query counts are far below 2^24"
            )]
            let share = done as f32 / total.max(1) as f32;
            ui.add(egui::ProgressBar::new(share).text(format!("answered {done} of {total}")));
        }
    });
    if company.queries.is_empty() {
        ui.label("No queries yet: open them, or drop them on the window.");
        return;
    }
    egui::Grid::new("queries")
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            ui.label("");
            ui.strong("File");
            ui.strong("Key");
            ui.strong("Status");
            ui.end_row();
            for (index, query) in company.queries.iter().enumerate() {
                // First in the row: the columns after it widen as statuses change.
                ui.horizontal(|ui| {
                    button(ui, idle, "Remove", Command::RemoveQuery(index), commands);
                    if query.status.answer().is_some() {
                        button(
                            ui,
                            true,
                            "Give the answer to the Customer view",
                            Command::AnswerToCustomer(index),
                            commands,
                        );
                    }
                });
                ui.label(&query.name);
                match query.status.info() {
                    Some(info) => {
                        ui.monospace(format!("{:.16} ({} bits)", info.fingerprint, info.bits))
                    }
                    None => ui.label("-"),
                };
                match &query.status {
                    Status::Invalid(problem, _) => {
                        ui.colored_label(PROBLEM_RED, format!("refused: {problem}"));
                    }
                    Status::Ready(info) => {
                        ui.label(format!("valid, {} encrypted features", info.features));
                    }
                    Status::Checking => {
                        ui.label("checking...");
                    }
                    Status::Answering(_) => {
                        ui.label("computing...");
                    }
                    Status::Answered { seconds, .. } => {
                        ui.label(format!("answered in {:.1} ms, not saved", seconds * 1e3));
                    }
                    Status::Saved { path, .. } => {
                        ui.label(format!("answer saved: {}", path.display()));
                    }
                }
                ui.end_row();
            }
        });
}

fn log(ui: &mut egui::Ui, company: &Company) {
    section(ui, "3. Served");
    if company.log.is_empty() {
        ui.label("Nothing served yet.");
        return;
    }
    ui.label(
        "What the company knows of each prediction: who asked, with which model, how long it took.",
    );
    egui::Grid::new("served").striped(true).show(ui, |ui| {
        ui.strong("Time");
        ui.strong("Key");
        ui.strong("Model");
        ui.strong("Took");
        ui.end_row();
        for served in company.log.iter().rev() {
            ui.label(&served.at);
            ui.monospace(format!("{:.16}", served.fingerprint));
            ui.monospace(format!("{:.8}...", served.model));
            ui.label(format!("{:.1} ms", served.seconds * 1e3));
            ui.end_row();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::round_step;

    #[test]
    fn grid_steps_are_round_and_three_to_seven_and_a_half_across() {
        // Spans from 10^-12 to 10^12, a hundred to each power of ten (the demo's salaries:
        // ~9 000), and just below each power of ten.
        let spans = (-1200..=1200)
            .map(|exponent| 10f64.powf(f64::from(exponent) / 100.0))
            .chain((-12..=12).map(|exponent| 10f64.powi(exponent) * (1.0 - f64::EPSILON)));
        for span in spans {
            let step = round_step(span).expect("a step");
            let steps = span / step;
            assert!(
                (3.0..7.5).contains(&steps),
                "{span}: {steps} steps of {step}"
            );
            let mantissa = step / 10f64.powf(step.log10().floor());
            assert!(
                [1.0, 2.0, 5.0]
                    .iter()
                    .any(|round| (mantissa - round).abs() < 1e-9),
                "{span}: a step of {step}"
            );
        }
        for nothing in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(round_step(nothing), None, "{nothing}");
        }
    }
}
