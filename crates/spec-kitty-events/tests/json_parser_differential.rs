//! Our JSON parser against `serde_json` (which read every log before it) and against
//! Python's `json.loads` (what the reference reads logs with): the same texts accepted,
//! the same values read, on every fixture and generated log we have and on mutated text.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod mission_support;

use mission_support::Rng;
use proptest::prelude::*;
use serde_json::{Value, json};
use spec_kitty_events::json::{self, Json};
use spec_kitty_events_testkit::{Oracle, reference_fixtures_dir};
use std::path::Path;

/// The lazy reading of a record agrees with the whole one: accepted alike, the same tree
/// with an empty object in place of an object `payload`, and that payload's text parsing
/// to the same value.
fn lazy_agrees(bytes: &[u8], whole: &Result<Json<'_>, json::ParseError>) {
    let lazy = json::parse_lazy_bytes(bytes, json::LazyMember::new("payload"));
    match (whole, &lazy) {
        (Ok(full), Ok((tree, raw))) => {
            let mut expected = full.clone();
            let mut payload = None;
            if let Json::Object(entries) = &mut expected {
                for (k, v) in entries.iter_mut() {
                    if k == "payload" && v.is_object() {
                        payload = Some(std::mem::replace(v, Json::Object(Vec::new())));
                    }
                }
            }
            assert_eq!(tree, &expected, "{:?}", String::from_utf8_lossy(bytes));
            assert_eq!(
                raw.map(|r| json::parse(r).unwrap()),
                payload,
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "{:?}", String::from_utf8_lossy(bytes)),
        _ => panic!(
            "lazy and whole parsing disagree on {:?}",
            String::from_utf8_lossy(bytes)
        ),
    }
    // Parsed at once for some event types: the tree, with the text (if any) parsed back
    // into its place, is the whole record; a payload met after a wanted `event_type`
    // string is never left as text.
    let wanted = |t: &str| t.len().is_multiple_of(2);
    let eager = json::LazyMember::new("payload").eager_if("event_type", wanted);
    match (whole, json::parse_lazy_bytes(bytes, eager)) {
        (Ok(full), Ok((mut tree, raw))) => {
            if let Some(raw) = raw {
                let Json::Object(entries) = &mut tree else {
                    panic!("text left for a record that is not an object");
                };
                let mut selector = None;
                for (k, v) in entries.iter_mut() {
                    if k == "event_type" {
                        selector = v.as_str().map(str::to_owned);
                    }
                    if k == "payload" {
                        assert!(
                            !selector.as_deref().is_some_and(wanted),
                            "a wanted payload left as text: {:?}",
                            String::from_utf8_lossy(bytes)
                        );
                        *v = json::parse(raw).unwrap();
                    }
                }
            }
            assert_eq!(&tree, full, "{:?}", String::from_utf8_lossy(bytes));
        }
        (Err(a), Err(b)) => assert_eq!(a, &b, "{:?}", String::from_utf8_lossy(bytes)),
        _ => panic!(
            "eager-lazy and whole parsing disagree on {:?}",
            String::from_utf8_lossy(bytes)
        ),
    }
}

/// Parses with both parsers; panics when they disagree on acceptance or on the value.
fn agree(bytes: &[u8]) -> bool {
    let ours = json::parse_bytes(bytes);
    lazy_agrees(bytes, &ours);
    let theirs = serde_json::from_slice::<Value>(bytes);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => {
            assert_eq!(
                a,
                &Json::from_value(b),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
            true
        }
        (Err(a), Err(b)) => {
            assert_eq!(
                a.message,
                b.to_string(),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
            false
        }
        _ => panic!(
            "parsers disagree on {:?}: ours {:?}, serde_json {:?}",
            String::from_utf8_lossy(bytes),
            ours.map(|_| ()),
            theirs.map(|_| ())
        ),
    }
}

fn json_files(dir: &Path, out: &mut Vec<Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "json" || e == "jsonl")
        {
            out.push(std::fs::read(&path).unwrap());
        }
    }
}

#[test]
fn parsers_agree_on_every_fixture_and_log() {
    let mut texts = Vec::new();
    json_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut texts,
    );
    json_files(&reference_fixtures_dir(), &mut texts);
    json_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples"),
        &mut texts,
    );
    let (mut docs, mut lines) = (0, 0);
    for t in &texts {
        docs += usize::from(agree(t));
        for line in t
            .split(|&b| b == b'\n')
            .filter(|l| !l.trim_ascii().is_empty())
        {
            agree(line);
            lines += 1;
        }
    }
    eprintln!(
        "{} files ({docs} whole documents) and {lines} lines parsed alike",
        texts.len()
    );
    assert!(texts.len() > 300 && docs > 300);
}

/// Seeds with every construct: escapes, surrogate pairs, numbers of every form, repeated
/// keys, nesting.
const SEEDS: [&str; 10] = [
    r#"{"event_id": "x", "payload": {"a": [1, {"b": "\u00e9\n"}], "c": null}, "payload": {"d": 1}}"#,
    r#"{"payload": "not an object", "n": -1.5e3}"#,
    r#"{"a": 1, "b": [true, false, null], "c": {"d": "e\n\"\\\/\u00e9\ud83d\ude00"}}"#,
    r#"[0, -0, 1.5, -2.5e-3, 1E10, 123456789012345678901234567890, -9223372036854775809]"#,
    r#"{"k": 1, "k": 2, "j": [1, {"k": 3, "k": {"x": null}}]}"#,
    r#""plain string with spaces""#,
    r#"  { "spaced" :  [ 1 , 2 ] }  "#,
    r#"{"event_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "lamport_clock": 3, "payload": {"to_lane": "planned"}}"#,
    r#"[[[[[["deep"]]]]]]"#,
    r#"{"t": "\t\r\b\f", "u": "\u0000\u001f"}"#,
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn parsers_agree_on_mutated_text(seed in 0..SEEDS.len(), edits in prop::collection::vec((any::<usize>(), any::<u8>(), 0..3u8), 0..4)) {
        let mut bytes = SEEDS[seed].as_bytes().to_vec();
        for (at, byte, op) in edits {
            let i = at % (bytes.len() + 1);
            match op {
                0 if i < bytes.len() => { bytes.remove(i); }
                1 => bytes.insert(i, byte),
                _ if i < bytes.len() => bytes[i] = byte,
                _ => {}
            }
        }
        agree(&bytes);
    }

    /// Strings long enough to be scanned eight bytes at a time, with the bytes that end a
    /// plain run (quote, backslash, control characters) and multi-byte UTF-8 at every
    /// offset within a word.
    #[test]
    fn parsers_agree_on_strings_of_any_content(
        parts in prop::collection::vec(
            prop_oneof![
                4 => "[a-z0-9 _./:-]{0,12}",
                1 => Just("\"".to_owned()),
                1 => Just("\\".to_owned()),
                1 => prop::sample::select(vec!["\\n", "\\\"", "\\u00e9", "\\ud83d\\ude00", "\\x", "\\"]).prop_map(str::to_owned),
                1 => (0u8..0x20).prop_map(|b| char::from(b).to_string()),
                1 => prop::sample::select(vec!["é", "→", "😀", "\u{7f}"]).prop_map(str::to_owned),
            ],
            0..12,
        ),
        wrap in 0..3u8,
    ) {
        let body: String = parts.concat();
        let text = match wrap {
            0 => format!("\"{body}\""),
            1 => format!("{{\"k\": \"{body}\", \"payload\": {{\"p\": \"{body}\"}}}}"),
            _ => format!("[\"{body}\"]"),
        };
        agree(text.as_bytes());
    }

    #[test]
    fn parsers_agree_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
        agree(&bytes);
    }
}

#[test]
fn values_are_those_of_python_json_loads() {
    let mut r = Rng(0x150A);
    let mut texts: Vec<String> = SEEDS.iter().map(|s| (*s).to_owned()).collect();
    for _ in 0..500 {
        let n = r.next_u64();
        texts.push(format!(
            r#"{{"f": {}.{}e{}, "i": {}, "dup": 1, "s": "x\u00{:02x}y", "dup": [{}]}}"#,
            n % 1000,
            n % 97,
            (n % 40) as i64 - 20,
            n as i64,
            0x20 + (n % 0x5f) as u8,
            n % 7
        ));
    }
    let requests: Vec<Value> = texts
        .iter()
        .map(|t| json!({"op": "call", "func": "json:loads", "args": [t]}))
        .collect();
    let answers = Oracle::start().unwrap().ask_all(&requests).unwrap();
    for (t, answer) in texts.iter().zip(&answers) {
        let ours = json::parse(t).unwrap();
        assert_eq!(ours, Json::from_value(&answer["ok"]), "{t}");
    }
}
