//! Writes a large, deterministic WPStatusChanged event log as JSON Lines, for benchmarks
//! and memory measurements.
//!
//! ```sh
//! cargo run --release -p spec-kitty-events-cli --example gen_log -- 1000000 > big.jsonl
//! ```
//!
//! Work packages move through the lanes with occasional concurrent pairs, rollbacks,
//! redelivered duplicates and malformed payloads, spread over several nodes.

use serde_json::json;
use std::io::{BufWriter, Write};

const LANES: [&str; 5] = [
    "planned",
    "claimed",
    "in_progress",
    "for_review",
    "approved",
];
const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn ulid(n: u64) -> String {
    let mut s = String::from("01JD");
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ n;
    for _ in 0..22 {
        s.push(CROCKFORD[(x % 32) as usize] as char);
        x /= 32;
        if x == 0 {
            x = n.wrapping_add(0x5851_F42D_4C95_7F2D);
        }
    }
    s
}

fn main() -> std::io::Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let wps = (n / 8).max(1);
    let out = std::io::stdout();
    let mut w = BufWriter::with_capacity(1 << 20, out.lock());
    let evidence = json!({"repos": [{"repo": "events-rs", "branch": "main", "commit": "4e5f6a7"}],
                          "review": {"reviewer": "maria", "verdict": "approved"}});
    for i in 0..n {
        let wp = i % wps;
        let step = (i / wps) as usize;
        let (from, to) = if step == 0 {
            (None, "planned")
        } else if step < LANES.len() {
            (Some(LANES[step - 1]), LANES[step])
        } else {
            (Some("approved"), "done")
        };
        let mut payload = json!({"mission_slug": "m-bench", "wp_id": format!("WP{wp:06}"), "from_lane": from,
                                 "to_lane": to, "actor": "bench", "execution_mode": "worktree"});
        if matches!(to, "approved" | "done") {
            payload["evidence"] = evidence.clone();
        }
        if i % 997 == 0 {
            payload["to_lane"] = json!("in_review"); // malformed: becomes an anomaly
        }
        let clock = step as u64 * 2 + 1 + u64::from(i % 13 == 0);
        let event = json!({
            "event_id": ulid(i), "event_type": "WPStatusChanged", "aggregate_id": format!("mission/m-bench/WP{wp:06}"),
            "timestamp": format!("2026-11-{:02}T{:02}:{:02}:{:02}.{:03}+0{}:00", 1 + step % 28, i % 24, i % 60, (i / 60) % 60, i % 1000, i % 3),
            "build_id": "bench", "node_id": format!("node-{}", i % 5), "lamport_clock": clock,
            "project_uuid": "12345678-1234-5678-1234-567812345678", "correlation_id": ulid(wp),
            "schema_version": "3.0.0", "payload": payload
        });
        serde_json::to_writer(&mut w, &event)?;
        w.write_all(b"\n")?;
        if i % 101 == 0 {
            serde_json::to_writer(&mut w, &event)?; // redelivered duplicate
            w.write_all(b"\n")?;
        }
    }
    w.flush()
}
