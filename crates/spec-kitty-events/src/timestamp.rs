//! Wall-clock timestamps, parsed and rendered exactly as the reference does.
//!
//! The reference parses datetimes with pydantic, whose parser is the `speedate` crate; we
//! call the same crate with the same settings. A timestamp keeps its UTC offset (or its
//! naivety): `+02:00` stays `+02:00`, and ordering uses Python's `isoformat()` text.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use speedate::{
    Date, DateTime, DateTimeConfig, MicrosecondsPrecisionOverflowBehavior, Time, TimeConfig,
    TimestampUnit,
};
use std::fmt;

use crate::contract::violation::FieldError;
use crate::json::Json;

/// A date and time with an optional UTC offset, to the microsecond.
///
/// ```
/// use spec_kitty_events::Timestamp;
/// let t = Timestamp::parse_str("2026-04-05T12:00:00.5+0200").unwrap();
/// assert_eq!(t.isoformat(), "2026-04-05T12:00:00.500000+02:00");
/// let z = Timestamp::parse_str("2026-04-05T12:00:00-00:00").unwrap();
/// assert_eq!(z.isoformat(), "2026-04-05T12:00:00+00:00");
/// assert_eq!(z.to_json_string(), "2026-04-05T12:00:00Z");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    microsecond: u32,
    offset: Option<i32>,
}

fn config() -> DateTimeConfig {
    DateTimeConfig {
        timestamp_unit: TimestampUnit::Infer,
        time_config: TimeConfig {
            microseconds_precision_overflow_behavior:
                MicrosecondsPrecisionOverflowBehavior::Truncate,
            unix_timestamp_offset: Some(0),
        },
    }
}

impl From<DateTime> for Timestamp {
    fn from(dt: DateTime) -> Self {
        Timestamp {
            year: dt.date.year,
            month: dt.date.month,
            day: dt.date.day,
            hour: dt.time.hour,
            minute: dt.time.minute,
            second: dt.time.second,
            microsecond: dt.time.microsecond,
            offset: dt.time.tz_offset,
        }
    }
}

fn parse_error(kind: &'static str, detail: impl fmt::Display) -> FieldError {
    FieldError::new(kind, format!("Input should be a valid datetime, {detail}"))
}

impl Timestamp {
    /// Parses text as a lax pydantic `datetime` field does: RFC 3339 and its relaxations
    /// (space separator, missing seconds, `+0200`, `z`), Unix timestamps in seconds or
    /// milliseconds, and a bare date (naive midnight).
    pub fn parse_str(s: &str) -> Result<Self, FieldError> {
        let parsed = match DateTime::parse_bytes_with_config(s.as_bytes(), &config()) {
            Ok(dt) => Ok(dt.into()),
            Err(_) => match Date::parse_bytes(s.as_bytes()) {
                Ok(date) => Ok(Timestamp::from(DateTime {
                    date,
                    time: Time {
                        hour: 0,
                        minute: 0,
                        second: 0,
                        microsecond: 0,
                        tz_offset: None,
                    },
                })),
                Err(e) => Err(parse_error("datetime_from_date_parsing", e)),
            },
        };
        parsed.and_then(Timestamp::in_python_range)
    }

    /// The parser accepts year 0, which Python's `datetime` cannot hold: the reference
    /// reports `datetime_parsing` for it (whatever the input form, date-only included).
    fn in_python_range(self) -> Result<Self, FieldError> {
        if self.year == 0 {
            Err(parse_error("datetime_parsing", "year 0 is out of range"))
        } else {
            Ok(self)
        }
    }

    /// Parses a JSON value as a lax pydantic `datetime` field does (strings, integer and
    /// float Unix timestamps).
    pub fn from_value(v: &Value) -> Result<Self, FieldError> {
        Self::from_json(&Json::from_value(v))
    }

    /// Parses a [`Json`] value as a lax pydantic `datetime` field does (strings, integer
    /// and float Unix timestamps).
    pub fn from_json(v: &Json<'_>) -> Result<Self, FieldError> {
        let dt = match v {
            Json::Str(s) => return Self::parse_str(s),
            Json::Int(i) => DateTime::from_timestamp_with_config(*i, 0, &config()),
            Json::BigInt(_) => return Err(parse_error("datetime_parsing", "value is too large")),
            Json::Float(f) if f.is_finite() => DateTime::from_float_with_config(*f, &config()),
            Json::Float(_) => {
                return Err(parse_error("datetime_parsing", "NaN values not permitted"));
            }
            _ => {
                return Err(FieldError::new(
                    "datetime_type",
                    "Input should be a valid datetime",
                ));
            }
        };
        dt.map(Timestamp::from)
            .map_err(|e| parse_error("datetime_parsing", e))
            .and_then(Timestamp::in_python_range)
    }

    /// A timestamp from its parts (no validation: for tests of orderings).
    #[cfg(test)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        microsecond: u32,
        offset: Option<i32>,
    ) -> Self {
        Timestamp {
            year,
            month,
            day,
            hour,
            minute,
            second,
            microsecond,
            offset,
        }
    }

    /// The timestamp packed into a key that orders timestamps exactly as their
    /// [`Timestamp::isoformat`] texts compare as strings (the reference's tie-break among
    /// events with equal Lamport clocks), without building the text; the key converts back
    /// ([`IsoKey::timestamp`]).
    ///
    /// After the fixed-width date and time, the texts continue with nothing (naive, no
    /// fraction), `+` or `-` (an offset) or `.` (a fraction), in that byte order; a
    /// fraction is followed by the same choice of nothing or an offset; an offset
    /// `±HH:MM[:SS]` compares by its sign and then by its size.
    ///
    /// ```
    /// use spec_kitty_events::Timestamp;
    /// let t = |s: &str| Timestamp::parse_str(s).unwrap();
    /// // "2026-01-01T10:00:00+02:00" > "2026-01-01T09:00:00+00:00" as text.
    /// assert!(t("2026-01-01T10:00:00+02:00").iso_order() > t("2026-01-01T09:00:00Z").iso_order());
    /// assert!(t("2026-01-01T10:00:00").iso_order() < t("2026-01-01T10:00:00Z").iso_order());
    /// assert!(t("2026-01-01T10:00:00-01:00").iso_order() < t("2026-01-01T10:00:00.5").iso_order());
    /// let x = t("2026-01-01T10:00:00.25-05:30");
    /// assert_eq!(x.iso_order().timestamp(), x);
    /// ```
    pub fn iso_order(&self) -> IsoKey {
        let datetime = (u64::from(self.year) << 26)
            | (u64::from(self.month) << 22)
            | (u64::from(self.day) << 17)
            | (u64::from(self.hour) << 12)
            | (u64::from(self.minute) << 6)
            | u64::from(self.second);
        // Sign rank: nothing < '+' < '-'; then the offset's size.
        let offset = match self.offset {
            None => 0,
            Some(o) if o >= 0 => (1 << 20) | o.unsigned_abs(),
            Some(o) => (2 << 20) | o.unsigned_abs(),
        };
        if self.microsecond == 0 {
            IsoKey(datetime << 22 | u64::from(offset >> 20) << 20, offset)
        } else {
            IsoKey(
                datetime << 22 | 3 << 20 | u64::from(self.microsecond),
                offset,
            )
        }
    }

    /// The UTC offset in seconds, or `None` for a naive timestamp.
    pub fn offset_seconds(&self) -> Option<i32> {
        self.offset
    }

    /// Microseconds past the second.
    pub fn microsecond(&self) -> u32 {
        self.microsecond
    }

    fn write_datetime(&self, out: &mut String) {
        // Written digit by digit: this runs for every event of a log.
        let mut buf = [0u8; 26];
        let digits = |buf: &mut [u8], mut v: u32| {
            for b in buf.iter_mut().rev() {
                *b = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        digits(&mut buf[0..4], u32::from(self.year));
        buf[4] = b'-';
        digits(&mut buf[5..7], u32::from(self.month));
        buf[7] = b'-';
        digits(&mut buf[8..10], u32::from(self.day));
        buf[10] = b'T';
        digits(&mut buf[11..13], u32::from(self.hour));
        buf[13] = b':';
        digits(&mut buf[14..16], u32::from(self.minute));
        buf[16] = b':';
        digits(&mut buf[17..19], u32::from(self.second));
        let len = if self.microsecond != 0 {
            buf[19] = b'.';
            digits(&mut buf[20..26], self.microsecond);
            26
        } else {
            19
        };
        out.push_str(std::str::from_utf8(&buf[..len]).unwrap_or_default());
    }

    fn write_offset(offset: i32, out: &mut String) {
        use std::fmt::Write;
        let sign = if offset < 0 { '-' } else { '+' };
        let abs = offset.unsigned_abs();
        let _ = write!(out, "{sign}{:02}:{:02}", abs / 3600, (abs / 60) % 60);
        if !abs.is_multiple_of(60) {
            let _ = write!(out, ":{:02}", abs % 60);
        }
    }

    /// Python's `datetime.isoformat()`: no fraction when the microseconds are zero, else six
    /// digits; the offset as `+HH:MM` (`+00:00` for UTC); nothing for a naive timestamp.
    /// The reference orders concurrent events by comparing this text.
    pub fn isoformat(&self) -> String {
        let mut out = String::with_capacity(32);
        self.write_datetime(&mut out);
        if let Some(offset) = self.offset {
            Self::write_offset(offset, &mut out);
        }
        out
    }

    /// The reference's JSON rendering: `isoformat()` with a zero offset written `Z`.
    pub fn to_json_string(&self) -> String {
        let mut out = String::with_capacity(32);
        self.write_datetime(&mut out);
        match self.offset {
            Some(0) => out.push('Z'),
            Some(offset) => Self::write_offset(offset, &mut out),
            None => {}
        }
        out
    }
}

/// A [`Timestamp`] packed in its isoformat order (see [`Timestamp::iso_order`]): compares
/// as the isoformat texts do, and holds the whole timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IsoKey(u64, u32);

impl IsoKey {
    /// The timestamp again.
    pub fn timestamp(self) -> Timestamp {
        let IsoKey(hi, lo) = self;
        let datetime = hi >> 22;
        let microsecond = if (hi >> 20) & 3 == 3 {
            (hi & 0xF_FFFF) as u32
        } else {
            0
        };
        let size = (lo & 0xF_FFFF) as i32;
        Timestamp {
            year: (datetime >> 26) as u16,
            month: ((datetime >> 22) & 0xF) as u8,
            day: ((datetime >> 17) & 0x1F) as u8,
            hour: ((datetime >> 12) & 0x1F) as u8,
            minute: ((datetime >> 6) & 0x3F) as u8,
            second: (datetime & 0x3F) as u8,
            microsecond,
            offset: match lo >> 20 {
                0 => None,
                1 => Some(size),
                _ => Some(-size),
            },
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json_string())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_json_string())
    }
}

/// Reads what [`Timestamp::from_value`] reads: a text straight from the input (the form
/// every state and checkpoint holds), anything else through a `Value`.
impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TimestampVisitor)
    }
}

struct TimestampVisitor;

impl TimestampVisitor {
    fn of<E: serde::de::Error>(v: &Value) -> Result<Timestamp, E> {
        Timestamp::from_value(v).map_err(|e| E::custom(e.message))
    }

    fn big<E: serde::de::Error>(n: impl fmt::Display) -> Result<Timestamp, E> {
        let number: serde_json::Number = n.to_string().parse().map_err(E::custom)?;
        Self::of(&Value::Number(number))
    }
}

impl<'de> serde::de::Visitor<'de> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a datetime")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Timestamp, E> {
        Timestamp::parse_str(s).map_err(|e| E::custom(e.message))
    }

    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Timestamp, E> {
        Self::of(&Value::Bool(b))
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Timestamp, E> {
        Self::of(&Value::from(n))
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Timestamp, E> {
        Self::of(&Value::from(n))
    }

    fn visit_i128<E: serde::de::Error>(self, n: i128) -> Result<Timestamp, E> {
        Self::big(n)
    }

    fn visit_u128<E: serde::de::Error>(self, n: u128) -> Result<Timestamp, E> {
        Self::big(n)
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Timestamp, E> {
        Self::of(&Value::from(n))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Timestamp, E> {
        Self::of(&Value::Null)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Timestamp, E> {
        Self::of(&Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Timestamp, A::Error> {
        let v = Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        Self::of(&v)
    }

    // Numbers of `serde_json` (arbitrary precision) and objects.
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Timestamp, A::Error> {
        let v = Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Self::of(&v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn iso(v: Value) -> Result<String, String> {
        Timestamp::from_value(&v)
            .map(|t| t.to_json_string())
            .map_err(|e| e.kind.into_owned())
    }

    #[test]
    fn deserializes_as_from_value_reads() {
        for v in [
            json!("2026-04-05T12:00:00.5+02:00"),
            json!("2026-04-05"),
            json!("not a date"),
            json!(1_700_000_000),
            json!(1_700_000_000.25),
            json!(u64::MAX),
            json!(-5),
            json!(true),
            json!(null),
            json!([1]),
            json!({"a": 1}),
            serde_json::from_str::<Value>("123456789012345678901234567890").unwrap(),
        ] {
            let want = Timestamp::from_value(&v).map_err(|e| e.message);
            let text = v.to_string();
            let got = serde_json::from_str::<Timestamp>(&text).map_err(|e| e.to_string());
            let got_value =
                serde_json::from_value::<Timestamp>(v.clone()).map_err(|e| e.to_string());
            let packed = rmp_serde::to_vec_named(&v).unwrap();
            let got_rmp = rmp_serde::from_slice::<Timestamp>(&packed).map_err(|e| e.to_string());
            for (how, got) in [("text", got), ("value", got_value), ("msgpack", got_rmp)] {
                match (&want, &got) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{v} from {how}"),
                    (Err(a), Err(b)) => {
                        assert!(b.starts_with(a.as_str()), "{v} from {how}: {a} / {b}")
                    }
                    _ => panic!("{v} from {how}: {want:?} / {got:?}"),
                }
            }
        }
    }

    #[test]
    fn forms_observed_on_the_reference() {
        let ok = |v: Value, want: &str| assert_eq!(iso(v.clone()).as_deref(), Ok(want), "{v}");
        ok(json!("2026-01-01T10:00:00Z"), "2026-01-01T10:00:00Z");
        ok(json!("2026-01-01T10:00:00z"), "2026-01-01T10:00:00Z");
        ok(json!("2026-01-01T10:00:00+00:00"), "2026-01-01T10:00:00Z");
        ok(json!("2026-01-01T10:00:00-00:00"), "2026-01-01T10:00:00Z");
        ok(
            json!("2026-01-01T10:00:00+0200"),
            "2026-01-01T10:00:00+02:00",
        );
        ok(json!("2026-01-01 10:00"), "2026-01-01T10:00:00");
        ok(json!("2026-01-01"), "2026-01-01T00:00:00");
        ok(json!("1700000000"), "2023-11-14T22:13:20Z");
        ok(json!("1700000000.5"), "2023-11-14T22:13:20.500000Z");
        ok(json!(1700000000), "2023-11-14T22:13:20Z");
        ok(json!(1700000000.1234567), "2023-11-14T22:13:20.123457Z");
        ok(
            json!("2026-01-01T10:00:00.1234567"),
            "2026-01-01T10:00:00.123456",
        );
        ok(json!("2026-01-01T10:00:00.000000"), "2026-01-01T10:00:00");
        ok(
            json!("2026-01-01T10:00:00.100Z"),
            "2026-01-01T10:00:00.100000Z",
        );
        ok(json!("20260101"), "1970-08-23T11:48:21Z");
        ok(json!(17000000000000_i64), "2508-09-16T06:13:20Z");
        ok(json!(-5), "1969-12-31T23:59:55Z");
        ok(
            json!("2026-01-01T10:00:00.123+01:30"),
            "2026-01-01T10:00:00.123000+01:30",
        );
        let err = |v: Value, kind: &str| assert_eq!(iso(v.clone()), Err(kind.to_owned()), "{v}");
        err(json!("2026-01-01T24:00:00"), "datetime_from_date_parsing");
        err(json!("2026-02-30"), "datetime_from_date_parsing");
        err(json!(1e20), "datetime_parsing");
        err(
            json!("2026-01-01T10:00:00+02"),
            "datetime_from_date_parsing",
        );
        err(json!("  2026-01-01"), "datetime_from_date_parsing");
        err(json!(true), "datetime_type");
        err(json!("2026-01-01T10"), "datetime_from_date_parsing");
        // Year 0 parses but does not fit Python's datetime (observed on the reference).
        err(json!("0000-01-01T00:00:00Z"), "datetime_parsing");
        err(json!("0000-01-01"), "datetime_parsing");
        err(json!("0000-02-29T00:00:00"), "datetime_parsing");
        err(json!("0000-12-31T23:59:59+01:00"), "datetime_parsing");
        ok(
            json!("0001-01-01T00:00:00+01:00"),
            "0001-01-01T00:00:00+01:00",
        );
        ok(json!(-62135596801_i64), "1968-01-12T20:06:43.199000Z");
        ok(json!(253402300800_i64), "1978-01-11T21:31:40.800000Z");
    }

    #[test]
    fn isoformat_keeps_utc_offset_text() {
        let t = Timestamp::parse_str("2026-01-01T10:00:00Z").unwrap();
        assert_eq!(t.isoformat(), "2026-01-01T10:00:00+00:00");
        let t = Timestamp::parse_str("2026-01-01T10:00:00-05:30").unwrap();
        assert_eq!(t.isoformat(), "2026-01-01T10:00:00-05:30");
    }
}
