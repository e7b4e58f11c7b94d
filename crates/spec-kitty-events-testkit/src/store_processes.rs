//! Multi-process checks for durable stores: concurrent writers and writers killed with
//! SIGKILL. Written once, used by every backend's tests.
//!
//! The child processes are the backend's own test binary started again with
//! [`CHILD_ENV`] set: the backend declares a test that calls [`child_main`] (which
//! returns at once in a normal run) and passes that test's name to
//! [`run_concurrent_writers`] / [`run_crash_rounds`].

use crate::store_suite::event;
use spec_kitty_events::{AppendOutcome, ClockStorage, Event, EventStore, ExpectedPosition};
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The environment variable that turns a test binary into a child writer.
pub const CHILD_ENV: &str = "SKE_STORE_CHILD";
/// The environment variable carrying the store location to the child.
pub const LOCATION_ENV: &str = "SKE_STORE_LOCATION";

/// Node ids whose clocks all concurrent writers tick.
pub const NODES: [&str; 4] = ["node-a", "node-b", "node-c", "node-d"];

/// Events per crash-test batch.
pub const CRASH_BATCH: usize = 200;

fn child_command(child_test: &str, role: &str, location: &str) -> Command {
    let exe = std::env::current_exe().expect("current test binary");
    let mut cmd = Command::new(exe);
    cmd.args([child_test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, role)
        .env(LOCATION_ENV, location);
    cmd
}

/// In a child process started by this module: runs the requested writer with the store
/// `open` gives for the location, then returns; otherwise returns at once.
pub fn child_main<S, F>(open: F)
where
    S: EventStore + ClockStorage,
    F: Fn(&str) -> S,
{
    let Ok(role) = std::env::var(CHILD_ENV) else {
        return;
    };
    let location = std::env::var(LOCATION_ENV).expect("child without location");
    let mut store = open(&location);
    let mut parts = role.split(':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("concurrent"), Some(p), Some(n), Some(b)) => concurrent_writer(
            &mut store,
            p.parse().expect("process index"),
            n.parse().expect("events"),
            b.parse().expect("batch"),
        ),
        (Some("crash"), Some(r), None, None) => crash_writer(&mut store, r.parse().expect("round")),
        _ => panic!("unknown child role {role:?}"),
    }
}

fn id_of(process: usize, k: usize) -> u128 {
    ((process as u128) << 64) | k as u128
}

/// Appends `events` events in batches of `batch`, ticking the shared clocks of
/// [`NODES`] for every event; every other batch goes to the process's own aggregate
/// with an exact expected position (which must always hold: nobody else writes there).
fn concurrent_writer<S: EventStore + ClockStorage>(
    store: &mut S,
    process: usize,
    events: usize,
    batch: usize,
) {
    let own = format!("proc-{process}");
    let mut own_last: Option<u64> = None;
    let mut k = 0;
    for b in 0.. {
        if k >= events {
            break;
        }
        let n = batch.min(events - k);
        let use_own = b % 2 == 0;
        let mut evs = Vec::with_capacity(n);
        for _ in 0..n {
            let node = NODES[k % NODES.len()];
            let clock = store.tick(node).expect("tick");
            let agg = if use_own {
                own.clone()
            } else {
                format!("shared-{}", k % 7)
            };
            evs.push(event(id_of(process, k), &agg, node, clock));
            k += 1;
        }
        let expected = if use_own {
            own_last.map_or(ExpectedPosition::NoEvents, ExpectedPosition::At)
        } else {
            ExpectedPosition::Any
        };
        let out = store.append(&evs, expected).expect("concurrent append");
        assert_eq!(out.len(), n);
        let mut last = None;
        for o in out {
            match o {
                AppendOutcome::Appended(p) => last = Some(p),
                AppendOutcome::Duplicate(p) => panic!("unexpected duplicate at {p}"),
                AppendOutcome::Conflict(p) => panic!("unexpected conflict at {p}"),
            }
        }
        if use_own {
            own_last = last;
        }
    }
}

/// Starts `processes` children of `child_test` that each append `per_process` events
/// (in batches of `batch`) to the store at `location` at the same time, waits for them,
/// and checks the result with a store from `open`: exactly `processes * per_process`
/// events at dense positions, no duplicate ids, every clock value handed out once per
/// node (so each node's values are exactly `1..=n`), stats agreeing.
pub fn run_concurrent_writers<S, F>(
    child_test: &str,
    location: &str,
    open: F,
    processes: usize,
    per_process: usize,
    batch: usize,
) where
    S: EventStore + ClockStorage,
    F: Fn(&str) -> S,
{
    let children: Vec<_> = (0..processes)
        .map(|p| {
            child_command(
                child_test,
                &format!("concurrent:{p}:{per_process}:{batch}"),
                location,
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn child writer")
        })
        .collect();
    for (p, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().expect("wait for child");
        assert!(
            out.status.success(),
            "writer {p} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let store = open(location);
    let total = processes * per_process;
    assert_eq!(
        store.last_position(None).expect("last"),
        Some(total as u64),
        "exactly {total} events"
    );
    let mut ids = HashSet::with_capacity(total);
    let mut clocks: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut next = 1u64;
    let mut after = 0;
    loop {
        let page = store.read_after(after, 10_000).expect("read page");
        if page.is_empty() {
            break;
        }
        for st in page {
            assert_eq!(st.position, next, "positions are dense and ordered");
            next += 1;
            after = st.position;
            assert!(ids.insert(st.event.event_id.clone()), "duplicate id");
            clocks
                .entry(st.event.node_id.clone())
                .or_default()
                .push(st.event.lamport_clock);
        }
    }
    assert_eq!(ids.len(), total, "every event once");
    let want: HashSet<String> = (0..processes)
        .flat_map(|p| (0..per_process).map(move |k| crate::store_suite::event_id(id_of(p, k))))
        .collect();
    assert_eq!(ids, want, "exactly the written ids");
    let per_node = total / NODES.len();
    let stats = store.stats().expect("stats");
    for node in NODES {
        let mut v = clocks.remove(node).unwrap_or_default();
        v.sort_unstable();
        let n = v.len();
        v.dedup();
        assert_eq!(v.len(), n, "{node}: a clock value was handed out twice");
        assert_eq!(
            v,
            (1..=per_node as u64).collect::<Vec<_>>(),
            "{node}: clock values 1..={per_node}"
        );
        assert_eq!(stats[node].event_count, per_node as u64);
        assert_eq!(stats[node].max_lamport_clock, per_node as u64);
        assert_eq!(store.load(node).expect("clock"), per_node as u64);
    }
    for p in 0..processes {
        let own = store.load_events(&format!("proc-{p}")).expect("own");
        let want = (per_process / batch).div_ceil(2) * batch;
        assert!(
            own.len() == want || !per_process.is_multiple_of(batch),
            "process {p}'s aggregate holds {} events, expected {want}",
            own.len()
        );
    }
    let all = store.load_all_events().expect("all");
    assert_eq!(all.len(), total);
    assert!(
        all.windows(2)
            .all(|w| (w[0].lamport_clock, &w[0].node_id) <= (w[1].lamport_clock, &w[1].node_id)),
        "global read order"
    );
}

fn crash_batch(round: usize, b: usize) -> Vec<Event> {
    (0..CRASH_BATCH)
        .map(|i| {
            event(
                (1u128 << 100) | ((round as u128) << 40) | ((b as u128) << 16) | i as u128,
                &format!("crash-{round}-{b}"),
                "crasher",
                (b * CRASH_BATCH + i) as u64,
            )
        })
        .collect()
}

/// Appends batches forever, printing `BEGIN <batch>` before and `ACK <batch>` after
/// each append (flushed).
fn crash_writer<S: EventStore>(store: &mut S, round: usize) {
    let stdout = std::io::stdout();
    for b in 0.. {
        {
            let mut out = stdout.lock();
            writeln!(out, "BEGIN {b}").expect("stdout");
            out.flush().expect("flush");
        }
        store
            .append(&crash_batch(round, b), ExpectedPosition::Any)
            .expect("append");
        let mut out = stdout.lock();
        writeln!(out, "ACK {b}").expect("stdout");
        out.flush().expect("flush");
    }
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Kills a writer with SIGKILL in the middle of appending batches, `rounds` times in a
/// row on the same store. After each kill the store must open (through `open`, which
/// may run extra integrity checks), hold every acknowledged batch whole, and show no
/// partial batch. At least half of the kills must hit an append in flight (begun, not
/// acknowledged).
pub fn run_crash_rounds<S, F>(
    child_test: &str,
    location: &str,
    open: F,
    rounds: usize,
) -> CrashReport
where
    S: EventStore,
    F: Fn(&str) -> S,
{
    let mut rng = 0x5EED_u64;
    let mut report = CrashReport::default();
    let mut expected_events = 0usize;
    for round in 0..rounds {
        let mut child = child_command(child_test, &format!("crash:{round}"), location)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn crash writer");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let wait_for = 1 + (splitmix(&mut rng) % 4) as usize;
        let mut acked: Vec<usize> = Vec::new();
        let mut begun: Vec<usize> = Vec::new();
        let note = |line: String, acked: &mut Vec<usize>, begun: &mut Vec<usize>| {
            if let Some(b) = line.strip_prefix("ACK ") {
                acked.push(b.trim().parse().expect("batch number"));
            } else if let Some(b) = line.strip_prefix("BEGIN ") {
                begun.push(b.trim().parse().expect("batch number"));
            }
        };
        while acked.len() < wait_for {
            let Some(line) = lines.next() else {
                panic!("round {round}: writer ended before {wait_for} acknowledgements");
            };
            note(line.expect("read"), &mut acked, &mut begun);
        }
        // Land somewhere inside a later append.
        std::thread::sleep(Duration::from_micros(splitmix(&mut rng) % 4000));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        for line in lines {
            note(line.expect("read"), &mut acked, &mut begun);
        }
        if begun.iter().max() > acked.iter().max() {
            report.killed_in_flight += 1;
        }
        let store = open(location);
        for &b in &acked {
            let got = store
                .load_events(&format!("crash-{round}-{b}"))
                .expect("load batch");
            assert_eq!(
                got,
                crash_batch(round, b),
                "round {round}: acknowledged batch {b} is not whole"
            );
        }
        // No partial batch anywhere, and nothing beyond the one batch in flight.
        let mut sizes: BTreeMap<String, usize> = BTreeMap::new();
        let mut after = 0;
        loop {
            let page = store.read_after(after, 5_000).expect("read");
            let Some(last) = page.last() else { break };
            after = last.position;
            for st in page {
                *sizes.entry(st.event.aggregate_id).or_default() += 1;
            }
        }
        for (agg, n) in &sizes {
            assert_eq!(
                *n, CRASH_BATCH,
                "round {round}: partial batch {agg} visible"
            );
        }
        let this_round = sizes
            .keys()
            .filter(|a| a.starts_with(&format!("crash-{round}-")))
            .count();
        let max_acked = acked.iter().max().copied().unwrap_or(0);
        assert!(
            this_round == max_acked + 1 || this_round == max_acked + 2,
            "round {round}: {this_round} batches stored, {} acknowledged",
            acked.len()
        );
        expected_events += this_round * CRASH_BATCH;
        assert_eq!(
            store.last_position(None).expect("last"),
            Some(expected_events as u64),
            "round {round}: positions stay dense"
        );
        report.acknowledged += acked.len();
        report.rounds += 1;
    }
    assert!(
        report.killed_in_flight * 2 >= rounds,
        "too few kills hit an append in flight: {report:?}"
    );
    report
}

/// What [`run_crash_rounds`] saw.
#[derive(Debug, Default, Clone, Copy)]
pub struct CrashReport {
    /// Rounds run.
    pub rounds: usize,
    /// Batches acknowledged over all rounds.
    pub acknowledged: usize,
    /// Rounds whose kill hit an append that had begun and was not acknowledged.
    pub killed_in_flight: usize,
}
