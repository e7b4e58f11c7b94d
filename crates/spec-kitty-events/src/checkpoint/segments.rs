//! A projection's big keyed map in a checkpoint, as independent segments.
//!
//! The state of a status projection is mostly one map, its work packages (150,000 of
//! them, 60 MB, in the checkpoint of a 1,000,000-event log). Encoded as one MessagePack
//! map it decodes on one thread, entry after entry, and the map grows by doubling as it
//! goes. Encoded with [`serialize`] it is a sequence of byte strings, each the MessagePack
//! of [`SEGMENT`] consecutive entries: [`deserialize`] decodes them on every core and
//! builds the map at its final size, in the original order.
//!
//! Use it on a field with `#[serde(with = "crate::checkpoint::segments")]`.

use std::borrow::Cow;
use std::fmt;
use std::hash::{BuildHasher, Hash};

use indexmap::IndexMap;
use rayon::prelude::*;
use serde::de::{self, DeserializeOwned, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Entries per segment: small enough for a few segments per core on a state of a few
/// thousand entries, large enough that a segment's header is noise.
pub const SEGMENT: usize = 2048;

/// Segments encoded at a time.
const GROUP: usize = 16;

/// A decoded map has room for 1/HEADROOM more entries (and a segment's worth): a
/// checkpoint is rewritten once the events after it reach a fraction of those it covers,
/// and each of them adds one key at most.
const HEADROOM: usize = super::REWRITE_FRACTION as usize;

/// Writes `map` as a sequence of MessagePack byte strings, [`SEGMENT`] entries each,
/// encoded on every core.
pub fn serialize<K, V, H, S>(map: &IndexMap<K, V, H>, serializer: S) -> Result<S::Ok, S::Error>
where
    K: Serialize + Sync,
    V: Serialize + Sync,
    S: Serializer,
{
    let entries: Vec<(&K, &V)> = map.iter().collect();
    let mut seq = serializer.serialize_seq(Some(entries.len().div_ceil(SEGMENT)))?;
    // A few segments per core at a time: only those are held besides the output.
    for group in entries.chunks(SEGMENT * GROUP) {
        let segments: Vec<Vec<u8>> = group
            .par_chunks(SEGMENT)
            .map(rmp_serde::to_vec_named)
            .collect::<Result<_, _>>()
            .map_err(serde::ser::Error::custom)?;
        for segment in &segments {
            seq.serialize_element(&Bytes(segment))?;
        }
    }
    seq.end()
}

/// Reads a map written by [`serialize`]: the segments decoded on every core, the map
/// allocated once at its final size.
pub fn deserialize<'de, K, V, H, D>(deserializer: D) -> Result<IndexMap<K, V, H>, D::Error>
where
    K: DeserializeOwned + Hash + Eq + Send,
    V: DeserializeOwned + Send,
    H: BuildHasher + Default,
    D: Deserializer<'de>,
{
    let segments: Vec<Segment<'de>> = Vec::deserialize(deserializer)?;
    let decoded: Vec<Vec<(K, V)>> = segments
        .par_iter()
        .map(|s| rmp_serde::from_slice(&s.0))
        .collect::<Result<_, _>>()
        .map_err(de::Error::custom)?;
    let len: usize = decoded.iter().map(Vec::len).sum();
    // Room for the keys the next folds add: a map at exactly its length would move every
    // entry to a new allocation on the first insert.
    let mut map = IndexMap::with_capacity_and_hasher(len + len / HEADROOM + SEGMENT, H::default());
    for (k, v) in decoded.into_iter().flatten() {
        map.insert(k, v);
    }
    Ok(map)
}

/// A segment to write: a byte string.
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

/// A segment read: borrowed from the checkpoint's bytes when the format allows it.
struct Segment<'de>(Cow<'de, [u8]>);

impl<'de> Deserialize<'de> for Segment<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_bytes(SegmentVisitor)
    }
}

struct SegmentVisitor;

impl<'de> Visitor<'de> for SegmentVisitor {
    type Value = Segment<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a checkpoint segment (bytes)")
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        Ok(Segment(Cow::Borrowed(v)))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        Ok(Segment(Cow::Owned(v.to_vec())))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
        Ok(Segment(Cow::Owned(v)))
    }

    // Formats without byte strings (JSON) write them as sequences of numbers.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
        while let Some(b) = seq.next_element::<u8>()? {
            bytes.push(b);
        }
        Ok(Segment(Cow::Owned(bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FxIndexMap;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        #[serde(with = "super")]
        map: FxIndexMap<String, (u32, Option<String>)>,
        after: u8,
    }

    fn holder(n: u32) -> Holder {
        // Keys in an order that is not sorted, so that order is checked.
        let map = (0..n)
            .map(|i| {
                (
                    format!("k{}", (i * 7919) % n.max(1)),
                    (i, (i % 3 == 0).then(|| i.to_string())),
                )
            })
            .collect();
        Holder { map, after: 7 }
    }

    #[test]
    fn round_trips_in_order_through_messagepack_and_json() {
        for n in [
            0,
            1,
            SEGMENT as u32 - 1,
            SEGMENT as u32,
            3 * SEGMENT as u32 + 5,
            (SEGMENT * GROUP) as u32 + 1,
        ] {
            let h = holder(n);
            let bytes = rmp_serde::to_vec_named(&h).expect("encodes");
            let back: Holder = rmp_serde::from_slice(&bytes).expect("decodes");
            assert_eq!(back, h);
            assert!(back.map.keys().eq(h.map.keys()), "order kept for {n}");
            let json = serde_json::to_string(&h).expect("encodes");
            let back: Holder = serde_json::from_str(&json).expect("decodes");
            assert_eq!(back, h);
        }
    }

    #[test]
    fn a_damaged_segment_is_an_error_not_a_panic() {
        let mut bytes = rmp_serde::to_vec_named(&holder(3 * SEGMENT as u32)).expect("encodes");
        let mid = bytes.len() / 2;
        for b in &mut bytes[mid..mid + 64] {
            *b = 0xc1; // never used in MessagePack
        }
        assert!(rmp_serde::from_slice::<Holder>(&bytes).is_err());
        assert!(rmp_serde::from_slice::<Holder>(&bytes[..mid]).is_err());
    }
}
