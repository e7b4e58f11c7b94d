//! The lean path (log text → borrowed tree, the payload parsed only when the reducer reads
//! it → validated envelope → prepared item, never an owned event) against the owned path (`Event` with its canonical payload text, then
//! `replay`): the same reduced state, or the same refusal, for generated streams of every
//! reducer read as JSON Lines with hostile lines mixed in; and the same verdicts from
//! `check_record` on a parsed line as from the value-based `validate_event`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod decision_support;
mod mission_support;
mod reducer_streams;

use mission_support::Rng;
use serde_json::Value;
use spec_kitty_events::conformance::validate::{check_record, validate_event};
use spec_kitty_events::envelope::Event;
use spec_kitty_events::json::LazyMember;
use spec_kitty_events::projection::{
    Prepared, Projection, payload_member, prepare_lazy, replay_all,
};
use spec_kitty_events::records::process_lazy;
use spec_kitty_events::replay::{
    Mode, ProjectionVisitor, ReducerKind, ReplayOptions, replay, to_json, with_projection,
};

type Generator = fn(&mut Rng) -> Vec<Value>;

fn generators() -> Vec<(ReducerKind, Generator)> {
    vec![
        (ReducerKind::Status, |r| {
            reducer_streams::lifecycle::stream(r)
        }),
        (ReducerKind::Lifecycle, |r| {
            reducer_streams::lifecycle::stream(r)
        }),
        (ReducerKind::Collaboration, |r| {
            reducer_streams::collaboration::stream(r)
        }),
        (ReducerKind::Glossary, |r| {
            reducer_streams::glossary::stream(r)
        }),
        (ReducerKind::Connector, |r| {
            reducer_streams::connector_sync::stream(r)
        }),
        (ReducerKind::Sync, |r| {
            reducer_streams::connector_sync::stream(r)
        }),
        (ReducerKind::MissionNext, |r| {
            mission_support::mission_next_stream(r, false)
        }),
        (ReducerKind::Dossier, |r| {
            mission_support::dossier_stream(r, false)
        }),
        (ReducerKind::MissionAudit, |r| {
            mission_support::audit_stream(r, false)
        }),
        (ReducerKind::DecisionPoint, |r| {
            decision_support::decision_point_stream(r, false)
        }),
    ]
}

/// Replays JSON Lines text on the lean path; with `.1`, the payloads of the event types
/// the reducer reads are parsed at once (as the command line does), else all left as text.
struct Lean<'a>(&'a [u8], bool);

impl ProjectionVisitor for Lean<'_> {
    type Output = Result<Value, String>;
    fn visit<P: Projection>(self, projection: P) -> Result<Value, String> {
        let mut items: Vec<Prepared<P::Item>> = Vec::new();
        // As the command line reads logs: payloads left unparsed until the reducer
        // wants them.
        let lazy = if self.1 {
            payload_member::<P>()
        } else {
            LazyMember::new("payload")
        };
        process_lazy(
            self.0,
            lazy,
            &|_| {},
            &|rec| {
                rec.value
                    .ok()
                    .and_then(|v| prepare_lazy::<P>(&v, rec.lazy).ok())
                    .flatten()
            },
            &mut |item| {
                items.extend(item);
                true
            },
        )
        .unwrap();
        replay_all(projection, items)
            .and_then(to_json)
            .map_err(|e| e.to_string())
    }
}

/// Lines that no envelope parser accepts, or that are not envelopes.
const HOSTILE: [&str; 7] = [
    "{\"event_id\": ",
    "not json at all",
    "[1, 2, 3]",
    "{\"event_id\": \"short\"}",
    "\"a string\"",
    "{\"payload\": {\"a\": 1e400}}",
    "{\"a\": \"\\ud800\"}",
];

#[test]
fn lean_replay_equals_owned_replay_for_every_reducer() {
    let mut r = Rng(0x1EA9);
    let mut compared = 0;
    for (kind, generate) in generators() {
        for round in 0..150 {
            let docs = generate(&mut r);
            let mut text = String::new();
            for (i, d) in docs.iter().enumerate() {
                if i % 7 == 3 {
                    text.push_str(HOSTILE[(round + i) % HOSTILE.len()]);
                    text.push('\n');
                }
                text.push_str(&serde_json::to_string(d).unwrap());
                text.push('\n');
            }
            let events: Vec<Event> = docs
                .iter()
                .filter_map(|d| Event::from_value(d).ok())
                .collect();
            for mode in [Mode::Default, Mode::Permissive] {
                let options = ReplayOptions { mode, roster: None };
                let owned = replay(kind, &events, &options).map_err(|e| e.to_string());
                for eager in [false, true] {
                    let lean =
                        with_projection(kind, &options, Lean(text.as_bytes(), eager)).unwrap();
                    assert_eq!(lean, owned, "{} {:?} {eager}\n{text}", kind.name(), mode);
                    compared += 1;
                }
            }
        }
    }
    eprintln!("{compared} reductions: lean path equals owned path");
}

#[test]
fn check_record_equals_validate_event() {
    let mut r = Rng(0xC4EC);
    let mut checked = 0;
    for (_, generate) in generators() {
        for _ in 0..40 {
            for doc in generate(&mut r) {
                let text = serde_json::to_string(&doc).unwrap();
                let tree = spec_kitty_events::json::parse(&text).unwrap();
                let Some(t) = doc.get("event_type").and_then(Value::as_str) else {
                    continue;
                };
                let (_, violations) = check_record(&tree, Some(t));
                if let Ok(want) = validate_event(&doc, t) {
                    // validate_event leaves out the envelope layer, which is ours alone.
                    let got: Vec<_> = violations
                        .iter()
                        .filter(|v| {
                            !matches!(v.layer, spec_kitty_events::conformance::Layer::Envelope)
                        })
                        .map(|v| {
                            let path = match v.path.as_str() {
                                "payload" => "",
                                p => p.strip_prefix("payload.").unwrap_or(p),
                            };
                            (path.to_owned(), v.kind.clone())
                        })
                        .collect();
                    let want: Vec<_> = want
                        .violations
                        .iter()
                        .map(|v| (v.path.clone(), v.kind.clone()))
                        .collect();
                    assert_eq!(got, want, "{text}");
                    checked += 1;
                }
            }
        }
    }
    eprintln!("{checked} records: check_record equals validate_event");
    assert!(checked > 1000);
}

/// The envelope reads its timestamp and project UUID from the input itself (the contract
/// only checks them): each must equal the contract engine's normalised value, over every
/// form either field accepts or refuses.
#[test]
fn envelope_fields_read_from_the_input_equal_the_engine_s_values() {
    use spec_kitty_events::envelope::{EVENT_MODEL, EventRef};
    use spec_kitty_events::json::{Json, parse};
    let timestamps = [
        r#""2026-01-05T03:00:21Z""#,
        r#""2026-01-05T03:00:21.123456+05:30""#,
        r#""2026-01-05T03:00:21.5-00:00""#,
        r#""2026-01-05 03:00:21""#,
        r#""2026-01-05T03:00:21z""#,
        r#""2026-01-05""#,
        r#""2026-02-30T00:00:00""#,
        r#""yesterday""#,
        "1700000000",
        "-1",
        "1700000000.25",
        "1e400",
        "99999999999999999999",
        "true",
        "null",
    ];
    let uuids = [
        r#""12345678-1234-5678-1234-567812345678""#,
        r#""12345678123456781234567812345678""#,
        r#""{12345678-1234-5678-1234-567812345678}""#,
        r#""urn:uuid:12345678-1234-5678-1234-567812345678""#,
        r#""ABCDEF01-1234-5678-1234-567812345678""#,
        r#""12345678-1234-5678-1234-56781234567""#,
        "12",
        "null",
    ];
    let mut r = Rng(0x71AE);
    let (mut compared, mut accepted) = (0, 0);
    for (_, generate) in generators() {
        for doc in generate(&mut r).into_iter().take(20) {
            for (i, ts) in timestamps.iter().enumerate() {
                let mut text = serde_json::to_string(&doc).unwrap();
                for (key, value) in [("timestamp", *ts), ("project_uuid", uuids[i % uuids.len()])] {
                    let mut d: Value = serde_json::from_str(&text).unwrap();
                    d[key] = serde_json::from_str(value).unwrap();
                    text = serde_json::to_string(&d).unwrap();
                }
                let tree = parse(&text).unwrap();
                let ours = EventRef::from_json(&tree).map(|e| {
                    (
                        e.timestamp.to_json_string(),
                        e.project_uuid.hyphenated().to_string(),
                    )
                });
                let engine = EVENT_MODEL.validate_json(&tree).map(|n| {
                    let text = |k| n.get(k).and_then(Json::as_str).unwrap().to_owned();
                    (text("timestamp"), text("project_uuid"))
                });
                match (&ours, &engine) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a, b, "{text}");
                        accepted += 1;
                    }
                    (Err(a), Err(b)) => assert_eq!(a, b, "{text}"),
                    _ => panic!("verdicts differ on {text}: {ours:?} / {engine:?}"),
                }
                compared += 1;
            }
        }
    }
    eprintln!(
        "{compared} envelopes ({accepted} valid): timestamp and project UUID equal the engine's"
    );
    assert!(compared > 1000 && accepted > 300 && compared - accepted > 300);
}
