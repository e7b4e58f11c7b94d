//! Compares two reduced states, ours (`replay --format json`) and the reference's
//! (`model_dump(mode="json")`), as the differential tests compare them.
//!
//! ```sh
//! cargo run --release -p spec-kitty-events-cli --example compare_states -- \
//!     --reducer status ours.json reference.json
//! ```
//!
//! Before comparing, both states are canonicalised the same way:
//!
//! - the reference's unordered sets are sorted (collaboration's `active_drivers` and the
//!   lists of `participants_by_focus`, sync's `seen_delivery_pairs`);
//! - texts that embed a validation-error report are reduced to the report's field paths and
//!   error kinds (`spec_kitty_events_testkit::normalize_reports`: the wording of such
//!   reports is ours, pydantic's carries its version and Python reprs);
//! - numbers compare by value (`1.0` and `1.0e0` agree, `1` and `1.0` do not).
//!
//! Object keys compare as sets; whether both print them in the same order is reported
//! separately (`same_key_order`). Prints one JSON object, `{"agree", "differences",
//! "same_key_order", "first": [{"path", "ours", "reference"}, …]}`, and exits 0 when the
//! states agree, 1 when they do not, 2 on a usage or I/O error.

use serde_json::{Map, Number, Value, json};
use spec_kitty_events_testkit::normalize_reports;
use std::process::ExitCode;

/// Differences listed in full.
const SHOWN: usize = 8;

fn sort_array(v: Option<&mut Value>) {
    if let Some(Value::Array(items)) = v {
        items.sort_by_key(Value::to_string);
    }
}

/// Sorts the reference's unordered sets and normalises embedded reports.
fn canonical(mut state: Value, reducer: Option<&str>) -> Value {
    if matches!(reducer, None | Some("collaboration")) {
        sort_array(state.get_mut("active_drivers"));
        if let Some(Value::Object(m)) = state.get_mut("participants_by_focus") {
            for v in m.values_mut() {
                sort_array(Some(v));
            }
        }
    }
    if matches!(reducer, None | Some("sync")) {
        sort_array(state.get_mut("seen_delivery_pairs"));
    }
    normalize_reports(&state)
}

fn same_number(a: &Number, b: &Number) -> bool {
    let int = |n: &Number| n.as_i64().map(i128::from).or(n.as_u64().map(i128::from));
    match (int(a), int(b)) {
        (Some(x), Some(y)) => x == y,
        (None, None) => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => a.to_string() == b.to_string(),
        },
        _ => false,
    }
}

fn clip(v: &Value) -> Value {
    let s = v.to_string();
    if s.len() > 300 {
        let cut = (0..=300)
            .rev()
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(0);
        json!(format!("{}…", &s[..cut]))
    } else {
        v.clone()
    }
}

/// Collects the differences between `a` (ours) and `b` (the reference) under `path`.
fn diff(path: &str, a: &Value, b: &Value, count: &mut usize, shown: &mut Vec<Value>) {
    let mut differ = |shown: &mut Vec<Value>, ours: &Value, reference: &Value| {
        *count += 1;
        if shown.len() < SHOWN {
            shown.push(json!({"path": path, "ours": clip(ours), "reference": clip(reference)}));
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let p = format!("{path}/{k}");
                match y.get(k) {
                    Some(vb) => diff(&p, va, vb, count, shown),
                    None => diff_missing(&p, Some(va), None, count, shown),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    diff_missing(&format!("{path}/{k}"), None, Some(vb), count, shown);
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                differ(
                    shown,
                    &json!(format!("{} items", x.len())),
                    &json!(format!("{} items", y.len())),
                );
            }
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}/{i}"), va, vb, count, shown);
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            if !same_number(x, y) {
                differ(shown, a, b);
            }
        }
        _ => {
            if a != b {
                differ(shown, a, b);
            }
        }
    }
}

fn diff_missing(
    path: &str,
    ours: Option<&Value>,
    reference: Option<&Value>,
    count: &mut usize,
    shown: &mut Vec<Value>,
) {
    *count += 1;
    if shown.len() < SHOWN {
        let show = |v: Option<&Value>| v.map_or(json!("<absent>"), clip);
        shown.push(json!({"path": path, "ours": show(ours), "reference": show(reference)}));
    }
}

/// Whether both print every object's keys in the same order.
fn same_key_order(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.keys().eq(y.keys())
                && x.values()
                    .zip(y.values())
                    .all(|(p, q)| same_key_order(p, q))
        }
        (Value::Array(x), Value::Array(y)) => x.iter().zip(y).all(|(p, q)| same_key_order(p, q)),
        _ => true,
    }
}

fn read(path: &str) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    serde_json::from_str(text.trim()).map_err(|e| format!("{path}: not one JSON document: {e}"))
}

fn main() -> ExitCode {
    let mut reducer: Option<String> = None;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--reducer" {
            reducer = args.next();
        } else {
            files.push(a);
        }
    }
    let [ours, reference] = files.as_slice() else {
        eprintln!("usage: compare_states [--reducer R] OURS.json REFERENCE.json");
        return ExitCode::from(2);
    };
    let (a, b) = match (read(ours), read(reference)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("compare_states: {e}");
            return ExitCode::from(2);
        }
    };
    let (a, b) = (
        canonical(a, reducer.as_deref()),
        canonical(b, reducer.as_deref()),
    );
    let mut count = 0;
    let mut shown = Vec::new();
    diff("", &a, &b, &mut count, &mut shown);
    let mut report = Map::new();
    report.insert("agree".into(), json!(count == 0));
    report.insert("differences".into(), json!(count));
    report.insert("same_key_order".into(), json!(same_key_order(&a, &b)));
    report.insert("first".into(), Value::Array(shown));
    println!("{}", Value::Object(report));
    if count == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
