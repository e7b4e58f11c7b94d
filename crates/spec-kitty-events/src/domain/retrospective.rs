//! Retrospectives: terminal signals that a mission's retrospective ran or was skipped.

use std::sync::{Arc, LazyLock};

use crate::contract::{Field, ModelDef, Ty};
use crate::domain::dossier::PROVENANCE_REF;
use crate::json::Json;

fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

/// Length of the date part and whether it is a valid ISO 8601 calendar or week date
/// (extended `YYYY-MM-DD`, `YYYY-Www[-D]` or basic `YYYYMMDD`, `YYYYWww[D]`).
fn iso_date(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let year = digits(s.get(..4)?)?;
    if year == 0 {
        return None;
    }
    let week = |w: &str, d: Option<&str>| -> bool {
        let ok_w = digits(w).is_some_and(|w| (1..=53).contains(&w));
        let ok_d = d.is_none_or(|d| digits(d).is_some_and(|d| (1..=7).contains(&d)));
        ok_w && ok_d
    };
    if b.get(4) == Some(&b'-') {
        if b.get(5) == Some(&b'W') {
            if b.get(8) == Some(&b'-') {
                return week(s.get(6..8)?, Some(s.get(9..10)?)).then_some(10);
            }
            return week(s.get(6..8)?, None).then_some(8);
        }
        let month = digits(s.get(5..7)?)?;
        if b.get(7) != Some(&b'-') {
            return None;
        }
        let day = digits(s.get(8..10)?)?;
        return ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(10);
    }
    if b.get(4) == Some(&b'W') {
        if let Some(d) = s.get(7..8).filter(|d| digits(d).is_some()) {
            return week(s.get(5..7)?, Some(d)).then_some(8);
        }
        return week(s.get(5..7)?, None).then_some(7);
    }
    let month = digits(s.get(4..6)?)?;
    let day = digits(s.get(6..8)?)?;
    ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then_some(8)
}

/// `HH[:MM[:SS[.f…]]]` or `HH[MM[SS[.f…]]]`, range-checked.
fn iso_clock(t: &str, allow_fraction: bool) -> bool {
    let (main, frac) = match t.find(['.', ',']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    if let Some(f) = frac
        && (!allow_fraction || f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let parts: Vec<&str> = if main.contains(':') {
        main.split(':').collect()
    } else {
        main.as_bytes()
            .chunks(2)
            .map(|c| std::str::from_utf8(c).unwrap_or("x"))
            .collect()
    };
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.len() != 2) {
        return false;
    }
    if frac.is_some() && parts.len() != 3 {
        return false;
    }
    let limits = [23, 59, 59];
    parts
        .iter()
        .zip(limits)
        .all(|(p, max)| digits(p).is_some_and(|v| v <= max))
}

/// Whether Python 3.11's `datetime.fromisoformat` accepts `s` (the reference checks these
/// timestamps with it after turning a trailing `Z` into `+00:00`).
pub fn is_python_isoformat(s: &str) -> bool {
    let Some(date_len) = iso_date(s) else {
        return false;
    };
    let rest = &s[date_len..];
    let mut chars = rest.chars();
    let Some(_separator) = chars.next() else {
        return true;
    };
    let time = chars.as_str();
    let (clock, tz) = match time.find(['+', '-', 'Z']) {
        Some(i) => (&time[..i], Some(&time[i..])),
        None => (time, None),
    };
    if !iso_clock(clock, true) {
        return false;
    }
    match tz {
        None => true,
        Some("Z") => true,
        Some(tz) => {
            let offset = &tz[1..];
            !offset.is_empty() && iso_clock(offset, true)
        }
    }
}

fn check_timestamp(v: &Json<'_>) -> Result<Option<Json<'static>>, String> {
    if let Json::Str(s) = v {
        let normalized = match s.strip_suffix('Z') {
            Some(head) => format!("{head}+00:00"),
            None => s.to_string(),
        };
        if !is_python_isoformat(&normalized) {
            return Err(format!("Invalid isoformat string: '{s}'"));
        }
    }
    Ok(None)
}

fn trigger_source() -> Ty {
    Ty::literal_strs(&["runtime", "operator", "policy"])
}

/// The contract of a `RetrospectiveCompleted` payload.
pub static RETROSPECTIVE_COMPLETED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "RetrospectiveCompletedPayload",
        "Emitted when a retrospective step runs and produces a durable outcome.",
    )
    .forbid()
    .field(Field::required("mission_id", Ty::nonempty()).doc("Mission identifier"))
    .field(Field::required("actor", Ty::nonempty()).doc("Actor who triggered the retrospective"))
    .field(
        Field::required("trigger_source", trigger_source()).doc("What initiated the retrospective"),
    )
    .field(
        Field::optional("artifact_ref", &*PROVENANCE_REF)
            .doc("Reference to retro artifact if one was produced"),
    )
    .field(
        Field::required("completed_at", Ty::nonempty().before(check_timestamp))
            .doc("ISO 8601 completion timestamp"),
    )
    .build()
});

/// The contract of a `RetrospectiveSkipped` payload.
pub static RETROSPECTIVE_SKIPPED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "RetrospectiveSkippedPayload",
        "Emitted when a retrospective step is explicitly skipped.",
    )
    .forbid()
    .field(Field::required("mission_id", Ty::nonempty()).doc("Mission identifier"))
    .field(Field::required("actor", Ty::nonempty()).doc("Actor who decided to skip"))
    .field(
        Field::required("trigger_source", trigger_source())
            .doc("What would have initiated the retrospective"),
    )
    .field(Field::required("skip_reason", Ty::nonempty()).doc("Why the retrospective was skipped"))
    .field(
        Field::required("skipped_at", Ty::nonempty().before(check_timestamp))
            .doc("ISO 8601 skip decision timestamp"),
    )
    .build()
});

#[cfg(test)]
mod tests {
    use super::is_python_isoformat;

    #[test]
    fn isoformat_forms() {
        for ok in [
            "2026-03-01",
            "20260301",
            "2026-03-01T10:00:00+00:00",
            "2026-03-01 10:00",
            "2026-03-01T10",
            "2026-03-01T10:00:00.123456",
            "2026-W09-1",
            "2026-03-01T10:00:00-05:30",
            "2024-02-29T00:00:00",
        ] {
            assert!(is_python_isoformat(ok), "{ok}");
        }
        for bad in [
            "",
            "x",
            "  ",
            "2026-13-01",
            "2026-02-30",
            "2026-03-01T25:00",
            "2026-03",
            "2026-03-01T10:00:00+",
        ] {
            assert!(!is_python_isoformat(bad), "{bad}");
        }
    }
}
