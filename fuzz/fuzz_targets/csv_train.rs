//! The CSV training input. The first byte picks the options (target column, explicit features or
//! not, hold-out share), the rest is the CSV. Whatever trains must be sane: one finite coefficient
//! per feature, a finite intercept, as many model features, quantized weights within the reported
//! error, fits over the rows actually used, and finite fit measures.
#![no_main]

use hecate_app::workflows::train::{Options, train};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&config, csv)) = data.split_first() else {
        return;
    };
    // The header, as the trainer will read it (the target must be one of its columns to go far).
    let header: Vec<String> = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv)
        .headers()
        .map(|h| h.iter().map(str::to_owned).collect())
        .unwrap_or_default();
    let target = match header.len() {
        0 => "salary".to_owned(),
        len => header[usize::from(config & 0x0f) % len].clone(),
    };
    let features = (config & 0x10 != 0).then(|| {
        header
            .iter()
            .filter(|h| **h != target)
            .take(usize::from(config >> 6) + 1)
            .cloned()
            .collect::<Vec<_>>()
    });
    let holdout = match (config >> 5) & 0x3 {
        0 => None,
        1 => Some(0.2),
        2 => Some(0.5),
        _ => Some(0.0),
    };
    let options = Options {
        target: target.clone(),
        features: features.clone(),
        holdout,
        seed: 7,
        // Every range from the data (widened by a margin).
        ranges: Vec::new(),
    };
    let Ok(trained) = train(csv, &options) else {
        return;
    };
    let d = trained.features.len();
    assert!(d >= 1, "trained without features");
    if let Some(features) = &features {
        assert_eq!(&trained.features, features);
    }
    assert!(
        !trained.features.contains(&target),
        "the target is a feature"
    );
    assert_eq!(
        trained.weights.len(),
        d,
        "coefficients and features disagree"
    );
    assert_eq!(trained.model.features().len(), d);
    assert_eq!(
        trained.model.specs().len(),
        d,
        "specs and features disagree"
    );
    // A trained model always has a card (any valid encoding fits a 4096-bit key).
    assert!(trained.model.card(&[4096]).is_ok());
    assert_eq!(trained.model.target(), target);
    assert!(
        trained.weights.iter().all(|w| w.is_finite()),
        "{:?}",
        trained.weights
    );
    assert!(
        trained.intercept.is_finite(),
        "intercept {}",
        *trained.intercept
    );
    for (w, q) in trained.weights.iter().zip(trained.model.weights_f64()) {
        assert!(
            (w - q).abs() <= trained.quantization.max_absolute_error,
            "weight {w} quantized to {q}"
        );
    }
    assert_eq!(
        trained.model.intercept_f64(),
        *trained.intercept,
        "intercept not exact"
    );
    let fit = trained.training;
    assert!(fit.rows >= d + 2, "{} rows fit {d} features", fit.rows);
    assert!(
        fit.rmse.is_finite() && fit.rmse >= 0.0,
        "training RMSE {}",
        fit.rmse
    );
    assert!(fit.r2.is_nan() || fit.r2 <= 1.0 + 1e-9, "R² {}", fit.r2);
    if let Some(holdout) = trained.holdout {
        assert!(holdout.rows >= 1);
        assert!(
            holdout.rmse.is_finite() && holdout.rmse >= 0.0,
            "hold-out RMSE {}",
            holdout.rmse
        );
    }
});
