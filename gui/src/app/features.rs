//! What the customer may type for a feature: the sample's features have natural ranges, any other
//! feature a model card names takes any finite number.

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

/// A short hint of what `name` accepts.
pub fn hint(name: &str) -> String {
    match rule(name) {
        Some(Feature {
            low, high, whole, ..
        }) if whole && high - low == 1.0 => format!("{low} or {high}"),
        Some(Feature {
            low, high, whole, ..
        }) if whole => format!("a whole number, {low}-{high}"),
        Some(Feature { low, high, .. }) => format!("{low}-{high}"),
        None => "a number".to_owned(),
    }
}

/// The value typed for the feature `name`, or what is wrong with it.
pub fn parse(name: &str, text: &str) -> Result<f64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{name}: enter {}", hint(name)));
    }
    let value = match text.parse::<f64>() {
        Ok(value) if value.is_finite() => value,
        _ => return Err(format!("{name}: {text:?} is not a number")),
    };
    match rule(name) {
        Some(rule) if !(rule.low..=rule.high).contains(&value) => Err(format!(
            "{name}: {value} is outside {}-{}",
            rule.low, rule.high
        )),
        Some(rule) if rule.whole && value.fract() != 0.0 => {
            Err(format!("{name}: {value} is not a whole number"))
        }
        _ => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn inputs() {
        assert_eq!(parse("age", " 36 "), Ok(36.0));
        assert_eq!(parse("healthy_eating", "7.5"), Ok(7.5));
        assert_eq!(parse("tenure", "-1e3"), Ok(-1000.0));
        for (name, text, problem) in [
            ("age", "", "enter a whole number"),
            ("age", "thirty", "is not a number"),
            ("age", "12", "outside 18-100"),
            ("age", "36.5", "not a whole number"),
            ("healthy_eating", "11", "outside 0-10"),
            ("gender", "0.5", "not a whole number"),
            ("Gender", "2", "outside 0-1"),
            ("tenure", "inf", "is not a number"),
        ] {
            let error = parse(name, text).expect_err(text);
            assert!(error.contains(problem), "{name} {text:?}: {error}");
        }
    }
}
