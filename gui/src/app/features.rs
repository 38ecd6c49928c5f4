//! What the customer may type for a feature: the range the model card declares for it (the company's
//! answer is right only inside it), narrowed for the sample's features to their natural ranges and
//! whole numbers where they take only those.

/// The sample's features, with the range each accepts and whether it takes whole numbers only.
pub const KNOWN: [Feature; 4] = [
    Feature::new("age", 18.0, 100.0, true),
    Feature::new("healthy_eating", 0.0, 10.0, false),
    Feature::new("active_lifestyle", 0.0, 10.0, false),
    Feature::new("gender", 0.0, 1.0, true),
];

/// A feature's input rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Feature {
    /// The feature's name, as in a model card.
    pub name: &'static str,
    /// The smallest value accepted.
    pub low: f64,
    /// The largest value accepted.
    pub high: f64,
    /// Whether only whole numbers are accepted.
    pub whole: bool,
}

impl Feature {
    const fn new(name: &'static str, low: f64, high: f64, whole: bool) -> Self {
        Self {
            name,
            low,
            high,
            whole,
        }
    }
}

/// The rule for the feature `name`, if Hecate knows it, whatever its case: the original demo's
/// data names the column `Gender`.
pub fn rule(name: &str) -> Option<Feature> {
    KNOWN
        .into_iter()
        .find(|feature| feature.name.eq_ignore_ascii_case(name))
}

/// The rule for the feature `name` on a card that declares `declared` for it: the declared range,
/// narrowed to the feature's natural one if Hecate knows it.
fn bounded(name: &str, (low, high): (f64, f64)) -> Feature {
    match rule(name) {
        Some(known) => Feature {
            low: known.low.max(low),
            high: known.high.min(high),
            ..known
        },
        None => Feature::new("", low, high, false),
    }
}

/// A short hint of what `name` accepts on a card that declares `declared` for it.
pub fn hint(name: &str, declared: (f64, f64)) -> String {
    match bounded(name, declared) {
        Feature {
            low, high, whole, ..
        } if whole && high - low == 1.0 => format!("{low} or {high}"),
        Feature {
            low, high, whole, ..
        } if whole => format!("a whole number, {low}-{high}"),
        Feature { low, high, .. } => format!("{low}-{high}"),
    }
}

/// The value typed for the feature `name`, on a card that declares `declared` for it, or what is
/// wrong with it.
pub fn parse(name: &str, text: &str, declared: (f64, f64)) -> Result<f64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{name}: enter {}", hint(name, declared)));
    }
    let value = match text.parse::<f64>() {
        Ok(value) if value.is_finite() => value,
        _ => return Err(format!("{name}: {text:?} is not a number")),
    };
    let rule = bounded(name, declared);
    if !(rule.low..=rule.high).contains(&value) {
        Err(format!(
            "{name}: {value} is outside {}-{}",
            rule.low, rule.high
        ))
    } else if rule.whole && value.fract() != 0.0 {
        Err(format!("{name}: {value} is not a whole number"))
    } else {
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn inputs() {
        let wide = (-1e6, 1e6);
        assert_eq!(parse("age", " 36 ", wide), Ok(36.0));
        assert_eq!(parse("healthy_eating", "7.5", wide), Ok(7.5));
        assert_eq!(parse("tenure", "-1e3", wide), Ok(-1000.0));
        for (name, text, declared, problem) in [
            ("age", "", wide, "enter a whole number"),
            ("age", "thirty", wide, "is not a number"),
            ("age", "12", wide, "outside 18-100"),
            ("age", "36.5", wide, "not a whole number"),
            ("healthy_eating", "11", wide, "outside 0-10"),
            ("gender", "0.5", wide, "not a whole number"),
            ("Gender", "2", wide, "outside 0-1"),
            ("tenure", "inf", wide, "is not a number"),
            // The card's declared range narrows the natural one, and bounds any other feature.
            ("age", "75", (15.5, 69.5), "outside 18-69.5"),
            ("tenure", "-1e3", (0.0, 40.0), "outside 0-40"),
        ] {
            let error = parse(name, text, declared).expect_err(text);
            assert!(error.contains(problem), "{name} {text:?}: {error}");
        }
    }
}
