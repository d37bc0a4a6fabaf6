//! The agreement statistics against independent implementations: every number in
//! `tests/fixtures/agreement-golden.json` was computed by scikit-learn and statsmodels
//! (Cohen's κ, quadratic-weighted κ on the full 0–100 label range) and the `krippendorff`
//! package (α), by `tests/agreement/generate.py`; this recomputes each one.

use em_lab::judge::agreement::{Level, Ratings};
use serde_json::Value;

const TOLERANCE: f64 = 1e-9;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/agreement-golden.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Rater rows of `Option<u8>`.
fn raters(case: &Value) -> Vec<Vec<Option<u8>>> {
    case["raters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().map(|v| v as u8))
                .collect()
        })
        .collect()
}

fn close(name: &str, what: &str, got: Option<f64>, want: &Value) {
    match want.as_f64() {
        Some(want) => {
            let got = got.unwrap_or_else(|| panic!("{name}: {what} undefined, want {want}"));
            assert!(
                (got - want).abs() < TOLERANCE,
                "{name}: {what} {got} vs {want}"
            );
        }
        None => assert_eq!(got, None, "{name}: {what} should be undefined"),
    }
}

#[test]
fn alpha_matches_the_krippendorff_package_at_every_level() {
    let fixture = fixture();
    let mut checked = 0;
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let rows = raters(case);
        let domain = case["domain"].as_u64().unwrap() as usize;
        let units = (0..rows[0].len()).map(|u| rows.iter().map(move |r| r[u]).collect::<Vec<_>>());
        let data = Ratings::new(rows.len(), domain, units);
        let once = data.once();
        for (level, key) in [
            (Level::Nominal, "nominal"),
            (Level::Ordinal, "ordinal"),
            (Level::Interval, "interval"),
        ] {
            close(name, key, data.alpha(level, &once), &case["alpha"][key]);
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} alphas checked");
}

#[test]
fn kappas_match_scikit_learn_and_statsmodels() {
    let fixture = fixture();
    let mut checked = 0;
    for case in fixture["cases"].as_array().unwrap() {
        if case.get("kappa").is_none() {
            continue;
        }
        let name = case["name"].as_str().unwrap();
        let rows = raters(case);
        let (a, b) = (&rows[0], &rows[1]);
        let domain = case["domain"].as_u64().unwrap() as usize;
        let data = Ratings::pair(domain, a, b);
        let once = data.once();
        let table = data.confusion(&once);
        assert_eq!(table.total(), case["shared"].as_u64().unwrap(), "{name}");
        close(name, "kappa", table.kappa(), &case["kappa"]);
        close(name, "agreement", table.agreement(), &case["agreement"]);
        if let Some(p) = case.get("prevalence") {
            close(name, "prevalence A", table.prevalence(0, 1), &p[0]);
            close(name, "prevalence B", table.prevalence(1, 1), &p[1]);
        }
        // Classes 0..k are their own scores: the same weights as scikit-learn's label indices.
        let q = data.quadratic_kappa(&once);
        close(name, "quadratic kappa", q, &case["quadratic_kappa"]);
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} kappa cases");
}
