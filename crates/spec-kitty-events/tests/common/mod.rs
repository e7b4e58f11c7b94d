//! Deterministic case generation shared by the differential tests.
#![allow(dead_code)]

use serde_json::{Map, Value, json};

/// A splitmix64 generator: tiny, seeded, reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// True with probability `p` percent.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
}

pub const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const HEX: &[u8] = b"0123456789abcdef";

fn chars_from(rng: &mut Rng, alphabet: &[u8], n: usize) -> String {
    (0..n).map(|_| *rng.pick(alphabet) as char).collect()
}

fn recase(rng: &mut Rng, s: &str) -> String {
    match rng.below(3) {
        0 => s.to_ascii_uppercase(),
        1 => s.to_ascii_lowercase(),
        _ => s
            .chars()
            .map(|c| {
                if rng.chance(50) {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect(),
    }
}

/// A valid upper-case ULID.
pub fn ulid(rng: &mut Rng) -> String {
    // First char of a real ULID is 0-7; the reference only checks the alphabet.
    chars_from(rng, CROCKFORD, 26)
}

pub fn hyphenated_uuid(rng: &mut Rng) -> String {
    let h = chars_from(rng, HEX, 32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// An event id in any accepted form (any case).
pub fn valid_id(rng: &mut Rng) -> Value {
    let s = match rng.below(4) {
        0 | 1 => {
            let u = ulid(rng);
            recase(rng, &u)
        }
        2 => {
            let u = hyphenated_uuid(rng);
            recase(rng, &u)
        }
        _ => {
            let h = chars_from(rng, HEX, 32);
            recase(rng, &h)
        }
    };
    Value::String(s)
}

/// An event id in any form, accepted or not.
pub fn any_id(rng: &mut Rng) -> Value {
    match rng.below(20) {
        0..=9 => valid_id(rng),
        10 => {
            // ULID with a forbidden letter.
            let mut u: Vec<char> = ulid(rng).chars().collect();
            let i = rng.below(26);
            u[i] = *rng.pick(&['I', 'L', 'O', 'U', 'i', 'l', 'o', 'u']);
            Value::String(u.into_iter().collect())
        }
        11 => {
            let n = *rng.pick(&[0usize, 1, 25, 27, 31, 33, 35, 37, 40]);
            Value::String(chars_from(rng, CROCKFORD, n))
        }
        12 => {
            // 36 chars that are not a hyphenated UUID, 32 non-hex chars.
            if rng.chance(50) {
                Value::String(chars_from(rng, CROCKFORD, 36))
            } else {
                Value::String(chars_from(rng, b"ghijkz", 32))
            }
        }
        13 => {
            // Misplaced hyphens / braces / urn forms.
            let u = hyphenated_uuid(rng);
            Value::String(match rng.below(3) {
                0 => format!("{{{}}}", &u[..34]),
                1 => u.replace('-', "_"),
                _ => format!("-{}-", u.replace('-', "")),
            })
        }
        14 => {
            // Non-ASCII inside a 26-char id.
            let mut u: Vec<char> = ulid(rng).chars().collect();
            u[rng.below(26)] = *rng.pick(&['é', '٣', 'Ａ', ' ']);
            Value::String(u.into_iter().collect())
        }
        15 => {
            // ULID/UUID with surrounding whitespace.
            let v = valid_id(rng);
            Value::String(format!(" {}", v.as_str().unwrap_or("")))
        }
        16 => json!(26),
        17 => Value::Null,
        18 => json!(["01ARZ3NDEKTSV4RRFFQ69G5FAV"]),
        _ => json!(true),
    }
}

/// A timestamp in one of the forms the reference's parser knows, valid or not.
pub fn any_timestamp(rng: &mut Rng) -> Value {
    timestamp_in(rng, 24)
}

/// A well-formed timestamp string (any offset form, naive or aware).
pub fn good_timestamp(rng: &mut Rng) -> Value {
    let v = timestamp_in(rng, 11);
    if v.is_string() {
        v
    } else {
        good_timestamp(rng)
    }
}

fn timestamp_in(rng: &mut Rng, forms: usize) -> Value {
    let y = rng.range(1990, 2035);
    let mo = rng.range(1, 12);
    let d = rng.range(1, 28);
    let h = rng.range(0, 23);
    let mi = rng.range(0, 59);
    let s = rng.range(0, 59);
    let date = format!("{y:04}-{mo:02}-{d:02}");
    let time = format!("{h:02}:{mi:02}:{s:02}");
    let frac = match rng.below(6) {
        0 => format!(".{}", rng.range(0, 9)),
        1 => format!(".{:03}", rng.range(0, 999)),
        2 => format!(".{:06}", rng.range(0, 999_999)),
        3 => format!(".{:07}", rng.range(0, 9_999_999)),
        4 => ".000000".to_owned(),
        _ => String::new(),
    };
    let offset = |rng: &mut Rng| -> String {
        match rng.below(10) {
            0 => "Z".into(),
            1 => "z".into(),
            2 => "+00:00".into(),
            3 => "-00:00".into(),
            4 => "+0200".into(),
            5 => format!("+{:02}:{:02}", rng.range(0, 14), *rng.pick(&[0, 30, 45])),
            6 => format!("-{:02}:{:02}", rng.range(0, 12), *rng.pick(&[0, 30])),
            7 => String::new(),
            8 => "+05:30".into(),
            _ => "-0800".into(),
        }
    };
    match rng.below(forms) {
        0..=7 => {
            let o = offset(rng);
            json!(format!("{date}T{time}{frac}{o}"))
        }
        8 => {
            let o = offset(rng);
            json!(format!("{date} {time}{frac}{o}"))
        }
        9 => {
            let o = offset(rng);
            json!(format!("{date}T{h:02}:{mi:02}{o}"))
        }
        10 => json!(date),
        11 => json!(rng.range(-2_000_000_000, 2_000_000_000)),
        12 => json!(rng.range(0, 2_000_000_000) as f64 + rng.range(0, 999) as f64 / 1000.0),
        13 => json!(rng.range(1_000_000_000, 2_000_000_000).to_string()),
        14 => json!(format!(
            "{}.{}",
            rng.range(1_000_000_000, 2_000_000_000),
            rng.range(0, 999_999)
        )),
        15 => json!(rng.range(1_000_000_000_000, 2_000_000_000_000)),
        16 => {
            // Invalid calendar dates and times.
            json!(*rng.pick(&[
                "2026-02-30T10:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-04-31",
                "2026-04-05T24:00:00",
                "2026-04-05T23:60:00Z",
                "2026-04-05T23:59:60Z",
                "2023-02-29T00:00:00",
                "2024-02-29T00:00:00",
                "0000-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999999-23:59",
                "2026-04-05T12:00:00+24:00",
                "2026-04-05T12:00:00+23:59",
                "2026-04-05T12:00:00+02",
                "2026-04-05T12",
                "2026-04-05T12:00:00,5Z",
                "2026-04-05t12:00:00z",
                " 2026-04-05T12:00:00Z",
                "2026-04-05T12:00:00Z ",
                "2026-4-5T12:00:00Z",
                "20260405T120000Z",
                "not a date",
                "",
                "1e10",
                "-1700000000",
                "17000000000000000000000",
                "2026-04-05T12:00:00.Z",
                "2026-04-05T12:00:00+02:00:30",
            ]))
        }
        17 => json!(*rng.pick(&[1e20, -1.5, 0.0, 1.7e12, 1700000000.1234567])),
        18 => Value::Null,
        19 => json!(true),
        20 => json!({"t": 1}),
        _ => {
            let o = offset(rng);
            json!(format!("{date}T{time}{o}"))
        }
    }
}

/// A lamport clock value in lax forms. The second value is true when the value is an
/// integer ≥ 2^64 (which we reject deliberately).
pub fn any_lamport(rng: &mut Rng) -> (Value, bool) {
    let n = rng.range(0, 50);
    let v: Value = match rng.below(22) {
        0..=7 => json!(n),
        8 => json!(n.to_string()),
        9 => json!(n as f64),
        10 => json!(format!(" {n} ")),
        11 => json!(format!("{n}.0")),
        12 => json!(rng.chance(50)),
        13 => json!(n as f64 + 0.5),
        14 => json!("1e3"),
        15 => json!(-n - 1),
        16 => json!(format!("-{}", n + 1)),
        17 => {
            let text = *rng.pick(&[
                "18446744073709551615",
                "18446744073709551616",
                "99999999999999999999999999",
                "9223372036854775808",
            ]);
            serde_json::from_str(text).unwrap_or(Value::Null)
        }
        18 => json!(*rng.pick(&[
            "18446744073709551616",
            "1_000",
            "+7",
            "0x10",
            "",
            "五",
            "07"
        ])),
        19 => json!(*rng.pick(&[1e19, 1.8446744073709552e19, 3e3, -0.0])),
        20 => Value::Null,
        _ => json!([n]),
    };
    (v.clone(), lamport_is_huge(&v))
}

fn lamport_is_huge(v: &Value) -> bool {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().replace('_', "").trim_start_matches('+').to_owned(),
        _ => return false,
    };
    match text.parse::<f64>() {
        Ok(f) if f >= 18_446_744_073_709_551_615.0 && !text.starts_with('-') => {
            text.parse::<u64>().is_err()
        }
        _ => false,
    }
}

pub fn any_project_uuid(rng: &mut Rng) -> Value {
    let u = hyphenated_uuid(rng);
    match rng.below(10) {
        0..=3 => json!(u),
        4 => json!(u.to_ascii_uppercase()),
        5 => json!(u.replace('-', "")),
        6 => json!(format!("{{{u}}}")),
        7 => json!(format!("urn:uuid:{u}")),
        8 => json!(*rng.pick(&[
            "not-a-uuid",
            "",
            "1234",
            "{12345678-1234-5678-1234-56781234567}"
        ])),
        _ => json!(*rng.pick(&[json!(5), Value::Null, json!(["x"])])),
    }
}

pub fn any_data_tier(rng: &mut Rng) -> Option<Value> {
    Some(match rng.below(16) {
        0..=5 => return None,
        6 => json!(rng.range(0, 4)),
        7 => json!(rng.range(5, 9)),
        8 => json!(-1),
        9 => json!(rng.range(0, 4).to_string()),
        10 => json!(rng.range(0, 4) as f64),
        11 => json!(rng.chance(50)),
        12 => json!(format!(" {} ", rng.range(0, 4))),
        13 => json!(2.5),
        14 => Value::Null,
        _ => json!(*rng.pick(&["x", "4.0", "1e0", "-0"])),
    })
}

pub fn any_schema_version(rng: &mut Rng) -> Option<Value> {
    Some(match rng.below(14) {
        0 => return None,
        1..=6 => json!("3.0.0"),
        _ => json!(*rng.pick(&[
            json!("2.0.0"),
            json!("2.9.1"),
            json!("3.0.1"),
            json!("3.1.0"),
            json!("4.0.0"),
            json!("3.0"),
            json!("v3.0.0"),
            json!("03.0.0"),
            json!("3.0.0 "),
            json!("3.0.0\n"),
            json!("٣.٠.٠"),
            json!("x.0.0"),
            json!(""),
            json!(3),
            Value::Null,
        ])),
    })
}

/// A valid `WPStatusChanged` payload with small random variations.
pub fn status_payload(rng: &mut Rng) -> Value {
    let lanes = [
        "planned",
        "claimed",
        "in_progress",
        "for_review",
        "approved",
        "done",
        "blocked",
        "canceled",
        "doing",
    ];
    let mut p = json!({
        "mission_slug": "mission-001",
        "wp_id": format!("WP0{}", rng.range(1, 3)),
        "to_lane": *rng.pick(&lanes),
        "actor": "ci-bot",
        "execution_mode": "worktree",
    });
    if rng.chance(70) {
        p["from_lane"] = json!(*rng.pick(&lanes));
    }
    if rng.chance(30) {
        p["evidence"] = evidence();
    }
    p
}

pub fn evidence() -> Value {
    json!({
        "repos": [{"repo": "r", "branch": "b", "commit": "abc"}],
        "review": {"reviewer": "rev", "verdict": "approved"}
    })
}

pub fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
