//! Differential test of the envelope against the reference: `Event` model verdicts,
//! normalised output and error (path, kind) lists, and `validate_event(value, "Event")`
//! verdicts, on generated envelopes covering every id, timestamp, lax-int, UUID, tier and
//! schema-version form we know of.
//!
//! Deliberate divergence: we reject `lamport_clock` values ≥ 2^64 (the reference has no
//! bound). Such cases are counted and checked separately: when the reference accepts one,
//! we must reject it with `int_too_large` at `lamport_clock`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};
use spec_kitty_events::conformance::validate_event;
use spec_kitty_events::{Error, Event};
use spec_kitty_events_testkit::Oracle;

const CASES: usize = 10_000;

fn valid_str(rng: &mut Rng, good: &str) -> Option<Value> {
    if rng.chance(92) {
        return Some(json!(good));
    }
    match rng.below(5) {
        0 => None,
        1 => Some(json!("")),
        2 => Some(json!(5)),
        3 => Some(Value::Null),
        _ => Some(json!(" ")),
    }
}

/// One generated envelope and whether its lamport clock is an integer ≥ 2^64.
///
/// Three kinds, so that every verdict is well represented: canonical envelopes (30%),
/// envelopes using only lax-but-accepted forms (30%), and anything-goes ones (40%).
fn envelope(rng: &mut Rng) -> (Value, bool) {
    if rng.chance(1) {
        return (
            json!(*rng.pick(&[json!([1, 2]), json!("x"), Value::Null, json!(5)])),
            false,
        );
    }
    let mode = rng.below(10);
    let (strict, clean) = (mode < 3, mode < 6);
    let mut m = serde_json::Map::new();
    let put = |m: &mut serde_json::Map<String, Value>, k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_owned(), v);
        }
    };
    let id = if clean || rng.chance(70) {
        valid_id(rng)
    } else {
        any_id(rng)
    };
    put(&mut m, "event_id", Some(id));
    let et = if clean || rng.chance(70) {
        json!(*rng.pick(&["WPStatusChanged", "WPStatusChanged", "TagAdded"]))
    } else {
        rng.pick(&[
            json!(""),
            json!("FeatureCreated"),
            json!("FeatureClosed"),
            json!("MissionCreated"),
            json!(5),
            Value::Null,
            json!("TagAdded"),
        ])
        .clone()
    };
    put(&mut m, "event_type", Some(et));
    let agg = if clean || rng.chance(70) {
        json!(*rng.pick(&["mission-001/WP01", "mission/feature", "features/x", "wp"]))
    } else {
        rng.pick(&[
            json!("feature/x"),
            json!("feature"),
            json!("feature_catalog/1"),
            json!("feature_catalog"),
            json!(""),
            json!(7),
        ])
        .clone()
    };
    put(&mut m, "aggregate_id", Some(agg));
    let payload = if clean || rng.chance(70) {
        match rng.below(6) {
            0 => None,
            1 => Some(json!({"tags": ["a"], "n": 1.5, "big": 123456789012345678901234567890_u128})),
            _ => Some(status_payload(rng)),
        }
    } else {
        match rng.below(8) {
            0 => Some(Value::Null),
            1 => Some(json!([])),
            2 => Some(json!("x")),
            3 => Some(json!({})),
            4 => Some(json!({"feature_slug": "x", "wp_id": "WP01"})),
            5 => Some(json!({"mission_key": 1})),
            6 => Some(json!({"feature_number": "001"})),
            _ => Some(json!(5)),
        }
    };
    put(&mut m, "payload", payload);
    let ts = if clean {
        good_timestamp(rng)
    } else {
        any_timestamp(rng)
    };
    put(&mut m, "timestamp", Some(ts));
    let b = if clean {
        Some(json!("build-1"))
    } else {
        valid_str(rng, "build-1")
    };
    put(&mut m, "build_id", b);
    let n = if clean {
        Some(json!("node-a"))
    } else {
        valid_str(rng, "node-a")
    };
    put(&mut m, "node_id", n);
    let k = rng.range(0, 40);
    let (lamport, huge) = if strict {
        (json!(k), false)
    } else if clean {
        let v = rng
            .pick(&[
                json!(k),
                json!(k.to_string()),
                json!(k as f64),
                json!(format!(" {k} ")),
                json!(format!("{k}.0")),
                json!(true),
            ])
            .clone();
        (v, false)
    } else {
        any_lamport(rng)
    };
    put(&mut m, "lamport_clock", Some(lamport));
    let causation = match rng.below(10) {
        0..=4 => None,
        5 | 6 => Some(Value::Null),
        _ if clean => Some(valid_id(rng)),
        _ => Some(any_id(rng)),
    };
    put(&mut m, "causation_id", causation);
    let pu = loop {
        let v = any_project_uuid(rng);
        let accepted_form = v
            .as_str()
            .is_some_and(|s| s.len() >= 32 && !s.contains("1234}"));
        let canonical = v.as_str().is_some_and(|s| s.len() == 36);
        if !clean || (accepted_form && (!strict || canonical)) {
            break v;
        }
    };
    put(&mut m, "project_uuid", Some(pu));
    let slug = match rng.below(8) {
        0..=3 => None,
        4 => Some(json!("my-project")),
        5 => Some(Value::Null),
        6 if !clean => Some(json!(5)),
        _ => Some(json!("")),
    };
    put(&mut m, "project_slug", slug);
    let corr = if clean || rng.chance(70) {
        valid_id(rng)
    } else {
        any_id(rng)
    };
    put(&mut m, "correlation_id", Some(corr));
    let sv = if clean {
        Some(json!("3.0.0"))
    } else {
        any_schema_version(rng)
    };
    put(&mut m, "schema_version", sv);
    let dt = if strict {
        rng.chance(50).then(|| json!(rng.range(0, 4)))
    } else if clean {
        let t = rng.range(0, 4);
        let b = rng.chance(50);
        rng.pick(&[
            json!(t.to_string()),
            json!(t as f64),
            json!(b),
            json!(format!(" {t} ")),
        ])
        .clone()
        .into()
    } else {
        any_data_tier(rng)
    };
    put(&mut m, "data_tier", dt);
    if rng.chance(20) {
        m.insert("extra_key".into(), json!({"nested": [1, 2]}));
    }
    if !clean {
        if rng.chance(10) {
            let k = *rng.pick(&["feature_slug", "feature_number", "mission_key"]);
            m.insert(k.into(), json!("legacy"));
        }
        if rng.chance(15) {
            let k = *rng.pick(&[
                "event_id",
                "event_type",
                "aggregate_id",
                "timestamp",
                "build_id",
                "node_id",
                "lamport_clock",
                "project_uuid",
                "correlation_id",
            ]);
            m.remove(k);
        }
    }
    (Value::Object(m), huge)
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|items| {
            items
                .iter()
                .map(|p| {
                    (
                        p[0].as_str().unwrap_or("").to_owned(),
                        p[1].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// jsonschema's `$.a.b[0]` as our dotted `a.b.0`.
fn json_path_to_dotted(p: &str) -> String {
    let p = p.strip_prefix('$').unwrap_or(p);
    let p = p.replace('[', ".").replace(']', "");
    p.trim_start_matches('.').to_owned()
}

#[test]
fn envelopes_agree_with_reference() {
    let mut rng = Rng::new(0x5EED_E4E1_0000_0001);
    let cases: Vec<(Value, bool)> = (0..CASES).map(|_| envelope(&mut rng)).collect();
    let mut requests = Vec::with_capacity(cases.len() * 3);
    for (v, _) in &cases {
        requests.push(json!({"op": "event", "value": v}));
        requests.push(json!({"op": "validate", "event_type": "Event", "value": v}));
        requests.push(json!({"op": "validate", "event_type": "WPStatusChanged", "value": v}));
    }
    let mut oracle = Oracle::start().expect("oracle");
    let answers = oracle.ask_all(&requests).expect("oracle answers");

    let (mut both_ok, mut both_err, mut huge_total, mut huge_diverged) = (0, 0, 0, 0);
    let (mut valid_true, mut valid_false, mut non_object) = (0, 0, 0);
    let (mut status_valid, mut status_invalid) = (0, 0);
    let mut mismatches: Vec<String> = Vec::new();
    for (i, (v, huge)) in cases.iter().enumerate() {
        let event_answer = &answers[3 * i];
        let validate_answer = &answers[3 * i + 1];
        let status_answer = &answers[3 * i + 2];
        if *huge {
            huge_total += 1;
        }
        // (a) the Event model.
        let ours = Event::from_value(v);
        // The text path (our parser, borrowed tree) must agree with the value path.
        let parsed = Event::parse(&v.to_string());
        if format!("{parsed:?}") != format!("{ours:?}") {
            mismatches.push(format!("parse differs from from_value for {v}"));
        }
        match (&ours, event_answer.get("ok"), event_answer.get("errors")) {
            (Ok(e), Some(want), _) => {
                both_ok += 1;
                let got = serde_json::to_value(e).expect("serialise");
                if &got != want {
                    mismatches.push(format!("dump differs for {v}\n ours {got}\n ref  {want}"));
                }
            }
            (Err(Error::Validation { errors, .. }), None, Some(want)) => {
                both_err += 1;
                let got: Vec<(String, String)> = errors
                    .iter()
                    .map(|e| (e.path.to_string(), e.kind.to_string()))
                    .collect();
                if got != pairs(want) {
                    mismatches.push(format!(
                        "errors differ for {v}\n ours {got:?}\n ref  {want}"
                    ));
                }
            }
            (Err(Error::Validation { errors, .. }), Some(_), _) if *huge => {
                huge_diverged += 1;
                let expected = errors.len() == 1
                    && errors[0].path.to_string() == "lamport_clock"
                    && errors[0].kind == "int_too_large";
                if !expected {
                    mismatches.push(format!("huge lamport rejected wrongly for {v}: {errors:?}"));
                }
            }
            _ => mismatches.push(format!(
                "verdict differs for {v}\n ours {:?}\n ref  {event_answer}",
                ours.as_ref().map(|e| serde_json::to_value(e).ok())
            )),
        }
        // (b) validate_event(value, T) for the envelope itself and for the status
        // contract (cutover, payload model and payload schema).
        for (event_type, answer) in [
            ("Event", validate_answer),
            ("WPStatusChanged", status_answer),
        ] {
            let r = validate_event(v, event_type).expect("known type");
            if answer.get("error").is_some() && !v.is_object() {
                // The reference's validate_event raises AttributeError on a non-object
                // (it calls `.get` on it); we never raise on input and report it invalid.
                non_object += 1;
                if r.valid {
                    mismatches.push(format!("non-object accepted by validate_event: {v}"));
                }
                continue;
            }
            match (event_type, r.valid) {
                ("Event", true) => valid_true += 1,
                ("Event", false) => valid_false += 1,
                (_, true) => status_valid += 1,
                (_, false) => status_invalid += 1,
            }
            let got_model: Vec<(String, String)> = r
                .model_violations()
                .map(|x| (x.path.clone(), x.kind.clone()))
                .collect();
            let mut got_schema: Vec<(String, String)> = r
                .schema_violations()
                .map(|x| (x.path.clone(), x.kind.clone()))
                .collect();
            got_schema.sort();
            let mut want_schema: Vec<(String, String)> = pairs(&answer["schema"])
                .into_iter()
                .map(|(p, k)| (json_path_to_dotted(&p), k))
                .collect();
            want_schema.sort();
            if answer["valid"].as_bool() != Some(r.valid)
                || got_model != pairs(&answer["model"])
                || got_schema != want_schema
            {
                mismatches.push(format!(
                    "validate_event({event_type}) differs for {v}\n ours valid={} model={got_model:?} schema={got_schema:?}\n ref  {answer}",
                    r.valid
                ));
            }
        }
    }
    eprintln!(
        "envelopes: {CASES}; Event model both-accept {both_ok}, both-reject {both_err}; \
         lamport >= 2^64: {huge_total} (reference accepted, we rejected: {huge_diverged}); \
         validate_event(Event) valid {valid_true}, invalid {valid_false}; \
         validate_event(WPStatusChanged) valid {status_valid}, invalid {status_invalid}; \
         non-objects the reference raises on: {non_object}; mismatches {}",
        mismatches.len()
    );
    let show = if std::env::var_os("SKE_SHOW_ALL").is_some() {
        usize::MAX
    } else {
        25
    };
    for m in mismatches.iter().take(show) {
        eprintln!("{m}\n");
    }
    assert!(mismatches.is_empty(), "{} mismatches", mismatches.len());
    assert!(
        both_ok >= 1_000 && both_err >= 1_000,
        "generator lost its balance"
    );
    assert!(valid_true >= 1_000 && valid_false >= 1_000);
    assert!(status_valid >= 1_000 && status_invalid >= 1_000);
    assert!(huge_total > 0);
}
