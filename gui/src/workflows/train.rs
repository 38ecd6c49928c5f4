//! Training a linear model on a CSV: ordinary least squares with an intercept, by nalgebra's SVD
//! (numerically stable, and its singular values tell a singular design).

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "row counts are far below 2^52 and shares of them are non-negative"
)]

use anyhow::{Context, Result, bail};
use hecate::{FeatureSpec, Model, Quantization};
use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use zeroize::Zeroizing;

use super::os_rng;

/// A singular value this small relative to the largest means the columns are dependent.
const RANK_TOLERANCE: f64 = 1e-10;
/// A range derived from the data is widened by this share of its width on each side.
const RANGE_MARGIN: f64 = 0.1;
/// A feature's exponent gives at least 16^3 = 4096 steps across its range: a customer's value
/// between the training data's (3.5 on a scale the data has only whole numbers of) stays exact
/// or nearly so, and the answer mask stays narrow.
const RANGE_STEPS_EXPONENT: i32 = 3;

/// What to train.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The column to predict.
    pub target: String,
    /// The columns to predict it from; all the others when `None`.
    pub features: Option<Vec<String>>,
    /// The share of rows held out to measure the model on data it has not seen.
    pub holdout: Option<f64>,
    /// Seeds the hold-out split, so that it can be reproduced.
    pub seed: u64,
    /// Declared ranges `(feature, low, high)`; the others come from the data with a margin.
    pub ranges: Vec<(String, f64, f64)>,
}

/// Parses a `--range` argument: `name=low..high` (e.g. `age=18..100`, `x=-2.5..1e3`).
pub fn parse_range(text: &str) -> Result<(String, f64, f64)> {
    // The last `=`: a feature's name may hold one, a range never does.
    let parsed = text.rsplit_once('=').and_then(|(name, range)| {
        let (low, high) = range.split_once("..")?;
        let low: f64 = low.trim().parse().ok()?;
        let high: f64 = high.trim().parse().ok()?;
        (low.is_finite() && high.is_finite() && low <= high)
            .then(|| (name.trim().to_owned(), low, high))
    });
    parsed.with_context(|| {
        format!(
            "--range {text:?}: expected NAME=LOW..HIGH with finite LOW ≤ HIGH, e.g. age=18..100"
        )
    })
}

/// How well a model fits some rows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    /// Coefficient of determination (NaN when the target is constant over the rows).
    pub r2: f64,
    /// Root mean squared error, in the target's unit.
    pub rmse: f64,
    /// Rows measured.
    pub rows: usize,
}

/// A trained model and its report. The fitted coefficients are the company's secret: wiped when
/// dropped and left out of `Debug`.
pub struct Trained {
    /// The model, quantized for encrypted prediction.
    pub model: Model,
    /// What quantizing the coefficients cost.
    pub quantization: Quantization,
    /// Feature names, in order.
    pub features: Vec<String>,
    /// The fitted coefficients, in feature order.
    pub weights: Zeroizing<Vec<f64>>,
    /// The fitted intercept.
    pub intercept: Zeroizing<f64>,
    /// The fit on the training rows.
    pub training: Fit,
    /// The fit on the held-out rows.
    pub holdout: Option<Fit>,
    /// `[actual, predicted]` for every training row, for a plot.
    pub training_points: Vec<[f64; 2]>,
    /// `[actual, predicted]` for every held-out row.
    pub holdout_points: Vec<[f64; 2]>,
}

/// Reads the table, fits, and builds the model.
pub fn train(csv: &[u8], options: &Options) -> Result<Trained> {
    let table = Table::read(csv, options)?;
    let mut rows: Vec<usize> = (0..table.targets.len()).collect();
    let held = match options.holdout {
        None => 0,
        Some(share) if (0.0..1.0).contains(&share) => {
            rows.shuffle(&mut StdRng::seed_from_u64(options.seed));
            // The share of a row count: small, positive, so the conversions are exact.
            (share * rows.len() as f64).round() as usize
        }
        Some(share) => bail!("--holdout must be a share in [0, 1), not {share}"),
    };
    let (test, fit_rows) = rows.split_at(held);
    let d = table.features.len();
    if fit_rows.len() < d + 2 {
        bail!(
            "too few rows: {} to fit {d} features and an intercept need at least {}",
            fit_rows.len(),
            d + 2
        );
    }
    let (weights, intercept) = least_squares(&table, fit_rows)?;
    let (training, training_points) = table.fit(fit_rows, &weights, intercept);
    let (holdout, holdout_points) = if test.is_empty() {
        (None, Vec::new())
    } else {
        let (fit, points) = table.fit(test, &weights, intercept);
        (Some(fit), points)
    };
    // Finite values can still square past f64 (e.g. a target of 1e200): refuse rather than
    // report an infinite or NaN error as a fit.
    for (rows, fit) in [("training", Some(training)), ("hold-out", holdout)] {
        if let Some(fit) = fit
            && !fit.rmse.is_finite()
        {
            bail!(
                "the values are too large: the model's error on the {rows} rows overflows \
                 (RMSE {}); rescale the columns",
                fit.rmse
            );
        }
    }
    let names: Vec<&str> = table.features.iter().map(String::as_str).collect();
    let specs = table.specs(&options.ranges)?;
    let (model, quantization) = Model::from_f64(
        &options.target,
        &names,
        &specs,
        &weights,
        intercept,
        &mut os_rng(),
    )
    .context("the model cannot be built")?;
    Ok(Trained {
        model,
        quantization,
        features: table.features,
        weights: Zeroizing::new(weights),
        intercept: Zeroizing::new(intercept),
        training,
        holdout,
        training_points,
        holdout_points,
    })
}

impl std::fmt::Debug for Trained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trained")
            .field("model", &self.model)
            .field("features", &self.features)
            .field("training", &self.training)
            .field("holdout", &self.holdout)
            .finish_non_exhaustive()
    }
}

/// The header of a CSV: the columns a model can be trained on and for.
pub fn columns(csv: &[u8]) -> Result<Vec<String>> {
    header(&mut reader(csv))
}

fn reader(csv: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv)
}

fn header(reader: &mut csv::Reader<&[u8]>) -> Result<Vec<String>> {
    Ok(reader
        .headers()
        .context("the CSV has no header row")?
        .iter()
        .map(str::to_owned)
        .collect())
}

/// The numeric columns of a CSV.
struct Table {
    features: Vec<String>,
    /// Row-major feature values.
    values: Vec<f64>,
    targets: Vec<f64>,
}

impl Table {
    fn read(csv: &[u8], options: &Options) -> Result<Self> {
        let mut reader = reader(csv);
        let header = header(&mut reader)?;
        let column = |name: &str| {
            header.iter().position(|h| h == name).with_context(|| {
                format!("no column {name:?}; the columns are {}", header.join(", "))
            })
        };
        if let Some(name) = repeated(&header) {
            bail!("column {name:?} appears twice in the header");
        }
        let target = column(&options.target)?;
        let features: Vec<String> = match &options.features {
            Some(names) => names.clone(),
            None => header
                .iter()
                .filter(|h| **h != options.target)
                .cloned()
                .collect(),
        };
        if features.is_empty() {
            bail!("no feature columns besides the target {:?}", options.target);
        }
        if features.contains(&options.target) {
            bail!("the target {:?} cannot also be a feature", options.target);
        }
        if let Some(name) = repeated(&features) {
            bail!("feature {name:?} is listed twice");
        }
        let columns = features
            .iter()
            .map(|name| column(name))
            .collect::<Result<Vec<_>>>()?;
        let mut values = Vec::new();
        let mut targets = Vec::new();
        for (index, record) in reader.records().enumerate() {
            // Row 1 is the header.
            let row = index + 2;
            let record = record.with_context(|| format!("row {row} cannot be read"))?;
            let cell = |column: usize| -> Result<f64> {
                let text = record.get(column).unwrap_or("");
                let value: f64 = text.parse().map_err(|_| {
                    anyhow::anyhow!(
                        "row {row}, column {:?}: {text:?} is not a number",
                        header.get(column).map_or("", String::as_str)
                    )
                })?;
                if value.is_finite() {
                    Ok(value)
                } else {
                    bail!(
                        "row {row}, column {:?}: {text:?} is not a finite number",
                        header.get(column).map_or("", String::as_str)
                    )
                }
            };
            for &column in &columns {
                values.push(cell(column)?);
            }
            targets.push(cell(target)?);
        }
        Ok(Self {
            features,
            values,
            targets,
        })
    }

    /// Each feature's encoding: the declared range if given, else the data's widened by
    /// [`RANGE_MARGIN`]; the exponent the coarser of 16^0 and 16^-3 of the range's width, or finer
    /// where a training value needs it to be exact (up to 16^6 steps across the range).
    fn specs(&self, ranges: &[(String, f64, f64)]) -> Result<Vec<FeatureSpec>> {
        if let Some((name, ..)) = ranges
            .iter()
            .find(|(name, ..)| !self.features.contains(name))
        {
            bail!(
                "--range {name}: no such feature; the features are {}",
                self.features.join(", ")
            );
        }
        let d = self.features.len();
        self.features
            .iter()
            .enumerate()
            .map(|(j, name)| {
                let column = self.values.iter().skip(j).step_by(d).copied();
                let (low, high) = column
                    .clone()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                        (lo.min(x), hi.max(x))
                    });
                let (low, high) = match ranges.iter().rev().find(|(given, ..)| given == name) {
                    Some((_, low, high)) => (*low, *high),
                    None => {
                        let margin = (high - low) * RANGE_MARGIN;
                        (low - margin, high + margin)
                    }
                };
                let exact = column.map(exact_exponent).min().unwrap_or(0);
                // A one-point range takes its exponent from the value's size instead.
                let width = if high > low {
                    high - low
                } else {
                    low.abs().max(high.abs()).max(1.0)
                };
                let width_exponent = (width.log2() / 4.0).floor() as i32;
                let steps = (width_exponent - RANGE_STEPS_EXPONENT).min(0);
                let finest = width_exponent - 2 * RANGE_STEPS_EXPONENT;
                let exponent = exact.min(steps).max(finest).clamp(-250, 250);
                FeatureSpec::from_range(exponent, low, high).with_context(|| {
                    format!("feature {name:?}: the range {low}..{high} cannot be encoded")
                })
            })
            .collect()
    }

    fn row(&self, index: usize) -> &[f64] {
        let d = self.features.len();
        self.values
            .get(index * d..(index + 1) * d)
            .unwrap_or_default()
    }

    fn target(&self, index: usize) -> f64 {
        self.targets.get(index).copied().unwrap_or(f64::NAN)
    }

    /// How well the model fits `rows`, and each row's `[actual, predicted]`.
    fn fit(&self, rows: &[usize], weights: &[f64], intercept: f64) -> (Fit, Vec<[f64; 2]>) {
        let n = rows.len() as f64;
        let mean = rows.iter().map(|&i| self.target(i)).sum::<f64>() / n;
        let (mut residual, mut total) = (0.0, 0.0);
        let mut points = Vec::with_capacity(rows.len());
        for &i in rows {
            let predicted = intercept
                + self
                    .row(i)
                    .iter()
                    .zip(weights)
                    .map(|(x, w)| x * w)
                    .sum::<f64>();
            residual += (self.target(i) - predicted).powi(2);
            total += (self.target(i) - mean).powi(2);
            points.push([self.target(i), predicted]);
        }
        let fit = Fit {
            // Undefined for a constant target: NaN, which the front ends show as such.
            r2: if total > 0.0 {
                1.0 - residual / total
            } else {
                f64::NAN
            },
            rmse: (residual / n).sqrt(),
            rows: rows.len(),
        };
        (fit, points)
    }
}

/// The largest e with x a whole multiple of 16^e (i32::MAX for 0): x's lowest set bit, in base 16.
fn exact_exponent(x: f64) -> i32 {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (significand, exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    if significand == 0 {
        return i32::MAX;
    }
    (exponent + significand.trailing_zeros().cast_signed()).div_euclid(4)
}

/// The first name that appears twice in `names`.
fn repeated(names: &[String]) -> Option<&String> {
    names
        .iter()
        .enumerate()
        .find_map(|(i, name)| names.get(..i)?.contains(name).then_some(name))
}

/// Ordinary least squares on `rows` with an intercept, by SVD on centred and scaled columns, so
/// that the rank test compares like with like whatever the units of the features.
fn least_squares(table: &Table, rows: &[usize]) -> Result<(Vec<f64>, f64)> {
    let d = table.features.len();
    let n = rows.len() as f64;
    let mut means = vec![0.0; d];
    let mut scales = vec![0.0; d];
    for (j, (mean, scale)) in means.iter_mut().zip(&mut scales).enumerate() {
        let column = || {
            rows.iter()
                .map(|&i| table.row(i).get(j).copied().unwrap_or(0.0))
        };
        *mean = column().sum::<f64>() / n;
        *scale = (column().map(|x| (x - *mean).powi(2)).sum::<f64>() / n).sqrt();
        if !(*scale > 0.0 && scale.is_finite()) {
            let name = table.features.get(j).map_or("?", String::as_str);
            bail!(
                "the feature {name:?} is constant (or not finite) over the training rows: drop it"
            );
        }
    }
    let design = DMatrix::from_fn(rows.len(), d + 1, |r, c| {
        let row = rows.get(r).copied().unwrap_or(0);
        match (table.row(row).get(c), means.get(c), scales.get(c)) {
            (Some(x), Some(mean), Some(scale)) => (x - mean) / scale,
            _ => 1.0,
        }
    });
    let targets = DVector::from_iterator(rows.len(), rows.iter().map(|&i| table.target(i)));
    let svd = design.svd(true, true);
    let largest = svd.singular_values.max();
    if svd.singular_values.min() <= RANK_TOLERANCE * largest {
        bail!(
            "the design is singular: some of the features {} are linear combinations of others",
            table.features.join(", ")
        );
    }
    let solution = svd
        .solve(&targets, RANK_TOLERANCE * largest)
        .map_err(|message| anyhow::anyhow!("least squares failed: {message}"))?;
    // Back to the features' own units.
    let weights: Vec<f64> = solution
        .iter()
        .zip(&scales)
        .map(|(w, scale)| w / scale)
        .collect();
    let intercept = solution.get(d).copied().unwrap_or(0.0)
        - weights
            .iter()
            .zip(&means)
            .map(|(w, mean)| w * mean)
            .sum::<f64>();
    Ok((weights, intercept))
}
