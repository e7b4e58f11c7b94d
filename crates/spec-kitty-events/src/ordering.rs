//! The reference's replay ordering.
//!
//! The reference sorts events by `(lamport_clock, timestamp.isoformat(), event_id)` — a
//! string comparison of Python's `isoformat()` — and then drops repeated event ids, the
//! first in sort order winning. [`OrderKey`] is that key without the strings:
//! [`Timestamp::iso_order`] orders timestamps exactly as their isoformat texts compare,
//! and [`EventId`] keeps a normalised id inline.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

use crate::envelope::Event;
use crate::timestamp::{IsoKey, Timestamp};

/// Longest id kept inline (a hyphenated UUID; a ULID has 26 characters).
const INLINE: usize = 36;

/// A normalised event id, compared as a string, stored without a heap allocation when it
/// has at most 36 bytes (every valid id does).
///
/// ```
/// use spec_kitty_events::ordering::EventId;
/// let a = EventId::new("01ARZ3NDEKTSV4RRFFQ69G5FAV");
/// let b = EventId::new("01ARZ3NDEKTSV4RRFFQ69G5FAW");
/// assert!(a < b);
/// assert_eq!(a.as_str(), "01ARZ3NDEKTSV4RRFFQ69G5FAV");
/// assert!(EventId::new("a") < EventId::new("ab"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EventId(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl EventId {
    /// The id's bytes (UTF-8, compared as a string is).
    fn bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Repr::Heap(s) => s.as_bytes(),
        }
    }

    /// The id `s`.
    pub fn new(s: &str) -> Self {
        if s.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            EventId(Repr::Inline {
                len: s.len() as u8,
                bytes,
            })
        } else {
            EventId(Repr::Heap(s.into()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Heap(s) => s,
        }
    }
}

impl Ord for EventId {
    fn cmp(&self, other: &Self) -> Ordering {
        // UTF-8 byte order is code point order: no need to look at the text as text.
        self.bytes().cmp(other.bytes())
    }
}

impl PartialOrd for EventId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(EventId::new(&s))
    }
}

/// An event's position in the reference's replay order: `(lamport_clock,
/// timestamp.isoformat(), event_id)`. The fields compare in that order (the derived
/// order), the timestamp packed as an [`IsoKey`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OrderKey {
    /// The Lamport clock.
    pub lamport_clock: u64,
    /// The wall-clock time, compared as its isoformat text.
    pub time: IsoKey,
    /// The normalised event id.
    pub event_id: EventId,
}

impl OrderKey {
    /// The key of an event with these parts.
    pub fn new(lamport_clock: u64, timestamp: &Timestamp, event_id: &str) -> Self {
        OrderKey {
            lamport_clock,
            time: timestamp.iso_order(),
            event_id: EventId::new(event_id),
        }
    }

    /// The key of an event.
    pub fn of(e: &Event) -> Self {
        Self::new(e.lamport_clock, &e.timestamp, &e.event_id)
    }

    /// The event's wall-clock time.
    pub fn timestamp(&self) -> Timestamp {
        self.time.timestamp()
    }
}

/// Sorts events into the reference's replay order and drops repeated ids (the first in
/// sort order wins; equal keys keep their input order).
pub fn sort_and_dedup<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<&'a Event> {
    let mut keyed: Vec<(OrderKey, &Event)> =
        events.into_iter().map(|e| (OrderKey::of(e), e)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut seen = rustc_hash::FxHashSet::default();
    seen.reserve(keyed.len());
    keyed
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| seen.insert(e.event_id.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn timestamp() -> impl Strategy<Value = Timestamp> {
        (
            1u16..=9999,
            1u8..=12,
            1u8..=28,
            0u8..24,
            0u8..60,
            0u8..60,
            prop_oneof![Just(0u32), 0u32..1_000_000],
            prop_oneof![
                Just(None),
                Just(Some(0)),
                (-86_399i32..86_400).prop_map(Some),
                (-24i32..=24).prop_map(|h| Some(h * 3600)),
            ],
        )
            .prop_map(|(y, mo, d, h, mi, s, us, off)| {
                Timestamp::from_parts(y, mo, d, h, mi, s, us, off)
            })
    }

    proptest! {
        #[test]
        fn iso_order_is_the_order_of_isoformat_text(a in timestamp(), b in timestamp()) {
            prop_assert_eq!(a.iso_order().cmp(&b.iso_order()), a.isoformat().cmp(&b.isoformat()));
            prop_assert_eq!(a.iso_order().timestamp(), a);
        }

        #[test]
        fn event_ids_compare_as_strings(a in "[0-9A-Z-]{0,40}", b in "[0-9A-Z-]{0,40}") {
            prop_assert_eq!(EventId::new(&a).cmp(&EventId::new(&b)), a.cmp(&b));
            prop_assert_eq!(EventId::new(&a) == EventId::new(&b), a == b);
        }
    }
}
