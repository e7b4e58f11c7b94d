//! Measures candidate checkpoint encodings on a real status projector: JSON, CBOR and
//! MessagePack (structs as maps, as the JSON values inside projections need), encode and
//! decode times and sizes, for the status corpus log of `N` lines (default 100k).
//!
//! ```sh
//! cargo run --release -p spec-kitty-events --example checkpoint_formats -- 1m
//! ```

#[allow(missing_docs, clippy::unwrap_used)]
#[path = "../benches/corpus/mod.rs"]
mod corpus;
#[allow(missing_docs, clippy::unwrap_used)]
#[path = "../tests/decision_support/mod.rs"]
mod decision_support;
#[allow(missing_docs, clippy::unwrap_used)]
#[path = "../tests/mission_support/mod.rs"]
mod mission_support;
#[allow(missing_docs, clippy::unwrap_used)]
#[path = "../tests/reducer_streams/mod.rs"]
mod reducer_streams;

use spec_kitty_events::Event;
use spec_kitty_events::checkpoint::DEFAULT_WINDOW;
use spec_kitty_events::domain::status::StatusProjection;
use spec_kitty_events::projection::{Projector, prepare};
use std::time::{Duration, Instant};

type P = Projector<StatusProjection>;

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = None;
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.expect("at least one run"))
}

#[allow(clippy::unwrap_used)]
fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|s| corpus::parse_size(&s))
        .unwrap_or(100_000);
    let lines = corpus::status::status_lines(n);
    let events: Vec<Event> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| Event::from_value(&v).ok())
        .collect();
    let mut projector =
        Projector::for_unique_ids(StatusProjection::default()).with_window(DEFAULT_WINDOW);
    projector
        .feed_all(prepare::<StatusProjection>(&events))
        .unwrap();
    let wps = projector.state().unwrap().wp_states.len();
    println!(
        "{n} lines, {} events, {wps} work packages, {} pending",
        events.len(),
        projector.pending()
    );
    println!("| format | size | encode | decode |");
    println!("| --- | ---: | ---: | ---: |");
    let runs = 3;
    let (e, json) = best(runs, || serde_json::to_vec(&projector).unwrap());
    let (d, _) = best(runs, || serde_json::from_slice::<P>(&json).unwrap());
    println!(
        "| JSON | {:.1} MB | {e:.0?} | {d:.0?} |",
        json.len() as f64 / 1e6
    );
    let (e, cbor) = best(runs, || {
        let mut v = Vec::new();
        ciborium::into_writer(&projector, &mut v).unwrap();
        v
    });
    let (d, _) = best(runs, || ciborium::from_reader::<P, _>(&cbor[..]).unwrap());
    println!(
        "| CBOR (ciborium) | {:.1} MB | {e:.0?} | {d:.0?} |",
        cbor.len() as f64 / 1e6
    );
    let (e, mp) = best(runs, || rmp_serde::to_vec_named(&projector).unwrap());
    let (d, _) = best(runs, || rmp_serde::from_slice::<P>(&mp).unwrap());
    println!(
        "| MessagePack (rmp-serde, named) | {:.1} MB | {e:.0?} | {d:.0?} |",
        mp.len() as f64 / 1e6
    );
}
