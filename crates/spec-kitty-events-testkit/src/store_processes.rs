//! Multi-process checks for durable stores: concurrent writers, writers killed with
//! SIGKILL, checkpoint writers killed with SIGKILL, and processes that append and replay
//! from checkpoints at the same time. Written once, used by every backend's tests.
//!
//! The child processes are the backend's own test binary started again with
//! [`CHILD_ENV`] set: the backend declares a test that calls [`child_main`] (which
//! returns at once in a normal run) and passes that test's name to
//! [`run_concurrent_writers`] / [`run_crash_rounds`].

use crate::store_suite::{event, status_walk};
use serde_json::{Value, json};
use spec_kitty_events::checkpoint::{Replayed, checkpoint_key, decode, replay_store_json};
use spec_kitty_events::domain::status::StatusProjection;
use spec_kitty_events::replay::{ReducerKind, ReplayOptions, replay};
use spec_kitty_events::{
    AppendOutcome, CheckpointStore, ClockStorage, Event, EventStore, ExpectedPosition,
};
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

/// Starts one child per role, all at once, and waits for every one to succeed.
fn run_children(child_test: &str, location: &str, roles: impl Iterator<Item = String>) {
    let children: Vec<_> = roles
        .map(|role| {
            let child = child_command(child_test, &role, location)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn child");
            (role, child)
        })
        .collect();
    for (role, child) in children {
        let out = child.wait_with_output().expect("wait for child");
        assert!(
            out.status.success(),
            "child {role} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// What follows a child's `TAG ` marker on a line of its output. The marker may follow
/// other text: the test harness prints `test <name> ... ` before the test's first line.
fn marker<'l>(line: &'l str, tag: &str) -> Option<&'l str> {
    line.split_once(&format!("{tag} "))
        .filter(|(before, _)| before.is_empty() || before.ends_with(' '))
        .map(|(_, rest)| rest)
}

/// In a child process started by this module: runs the requested writer with the store
/// `open` gives for the location, then returns; otherwise returns at once.
pub fn child_main<S, F>(open: F)
where
    S: EventStore + ClockStorage + CheckpointStore + Send,
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
        (Some("checkpoint-crash"), Some(r), None, None) => {
            checkpoint_writer(&mut store, r.parse().expect("round"));
        }
        (Some("append-replay"), Some(p), Some(n), None) => append_and_replay(
            &mut store,
            p.parse().expect("process index"),
            n.parse().expect("rounds"),
        ),
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
    run_children(
        child_test,
        location,
        (0..processes).map(|p| format!("concurrent:{p}:{per_process}:{batch}")),
    );
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
            if let Some(b) = marker(&line, "ACK") {
                acked.push(b.trim().parse().expect("batch number"));
            } else if let Some(b) = marker(&line, "BEGIN") {
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

fn status_options() -> ReplayOptions {
    ReplayOptions::default()
}

/// The stored events at positions `1..=position`, in position order.
fn stored_through<S: EventStore + ?Sized>(store: &S, position: u64) -> Vec<Event> {
    let limit = usize::try_from(position).expect("position fits");
    store
        .read_after(0, limit)
        .expect("read")
        .into_iter()
        .map(|s| s.event)
        .collect()
}

fn full_status(events: &[Event]) -> Value {
    replay(ReducerKind::Status, events, &status_options()).expect("full replay")
}

/// Replays status from the store's checkpoint once, then saves that checkpoint again and
/// again (the same position: each save replaces it), printing `BEGIN <n>` before and
/// `ACK <n>` after each save.
fn checkpoint_writer<S: EventStore + CheckpointStore + Send>(store: &mut S, round: usize) {
    let opts = status_options();
    replay_store_json(store, ReducerKind::Status, &opts, None, true).expect("replay");
    let key = checkpoint_key(ReducerKind::Status, &opts, None);
    let mut c = store.load_checkpoint(&key).expect("load").expect("saved");
    let stdout = std::io::stdout();
    for n in 0u64.. {
        {
            let mut out = stdout.lock();
            writeln!(out, "BEGIN {n}").expect("stdout");
            out.flush().expect("flush");
        }
        c.written_at = (round as u64) << 32 | n;
        assert!(
            store.save_checkpoint(&c).expect("save"),
            "same position replaces"
        );
        let mut out = stdout.lock();
        writeln!(out, "ACK {n}").expect("stdout");
        out.flush().expect("flush");
    }
}

/// Kills a process with SIGKILL while it writes a large checkpoint (several MB of status
/// state), `rounds` times on the same store, appending new events (now and then late
/// ones) between rounds. After each kill the store must open (through `open`, which may
/// check its integrity), hold a checkpoint that decodes and covers the position the
/// writer replayed to, and the next checkpointed replay must equal a full replay. At least
/// half of the kills must hit a save in flight.
pub fn run_checkpoint_crash_rounds<S, F>(
    child_test: &str,
    location: &str,
    open: F,
    rounds: usize,
) -> CrashReport
where
    S: EventStore + CheckpointStore + Send,
    F: Fn(&str) -> S,
{
    let mut rng = 0xC4A5_u64;
    let mut report = CrashReport::default();
    let opts = status_options();
    let key = checkpoint_key(ReducerKind::Status, &opts, None);
    let mut clock = 1u64;
    for round in 0..rounds {
        {
            // New events for this round: 1,000 work packages' next steps (a large state),
            // and every third round a few late ones.
            let mut store = open(location);
            let n = (round as u128 + 1) << 40;
            let mut batch = status_walk(n, 1_000, 2_000, clock);
            if round % 3 == 2 {
                batch.extend(status_walk(n | 1 << 32, 3, 3, 1));
            }
            store.append(&batch, ExpectedPosition::Any).expect("append");
            clock += 100;
        }
        let position = open(location)
            .last_position(None)
            .expect("last")
            .unwrap_or(0);
        let mut child = child_command(child_test, &format!("checkpoint-crash:{round}"), location)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn checkpoint writer");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let wait_for = 1 + (splitmix(&mut rng) % 3) as usize;
        let (mut acked, mut begun) = (0usize, 0usize);
        while acked < wait_for {
            let Some(line) = lines.next() else {
                panic!("round {round}: checkpoint writer ended early");
            };
            let line = line.expect("read");
            acked += usize::from(marker(&line, "ACK").is_some());
            begun += usize::from(marker(&line, "BEGIN").is_some());
        }
        std::thread::sleep(Duration::from_micros(splitmix(&mut rng) % 8000));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        for line in lines {
            let line = line.expect("read");
            acked += usize::from(marker(&line, "ACK").is_some());
            begun += usize::from(marker(&line, "BEGIN").is_some());
        }
        if begun > acked {
            report.killed_in_flight += 1;
        }
        let mut store = open(location);
        let stored = store
            .load_checkpoint(&key)
            .expect("load")
            .expect("a checkpoint");
        assert_eq!(
            stored.position, position,
            "round {round}: the checkpoint covers the log"
        );
        decode::<StatusProjection>(&stored.state).expect("the checkpoint decodes whole");
        // More events (every other round late ones too), then a checkpointed replay.
        let n = ((round as u128 + 1) << 40) | 2 << 32;
        let mut more = status_walk(n, 50, 50, clock);
        if round % 2 == 1 {
            more.extend(status_walk(n | 1 << 20, 2, 2, 2));
        }
        store.append(&more, ExpectedPosition::Any).expect("append");
        clock += 100;
        let r = replay_store_json(&mut store, ReducerKind::Status, &opts, None, false)
            .expect("replay after the kill");
        let all = stored_through(&store, r.position);
        assert_eq!(r.position, position + more.len() as u64);
        assert_eq!(r.state.expect("state"), full_status(&all), "round {round}");
        if round % 2 == 0 {
            assert!(
                matches!(r.replayed, Replayed::Folded { .. }),
                "round {round}: {:?}",
                r.replayed
            );
        }
        report.acknowledged += acked;
        report.rounds += 1;
    }
    assert!(
        report.killed_in_flight * 2 >= rounds,
        "too few kills hit a checkpoint save in flight: {report:?}"
    );
    report
}

/// Appends `rounds` batches of status events (its own work packages, clocks rising, every
/// fourth batch late) and after each replays status from the store's checkpoint; each
/// replay must equal the full replay of the events at the positions it covers.
fn append_and_replay<S: EventStore + CheckpointStore + Send>(
    store: &mut S,
    process: usize,
    rounds: usize,
) {
    let opts = status_options();
    let mut clock = 1u64;
    for round in 0..rounds {
        let n = (1u128 << 90) | ((process as u128) << 60) | ((round as u128) << 20);
        let first = if round % 4 == 3 { 1 } else { clock };
        let batch: Vec<Event> = status_walk(n, 20, 60, first)
            .into_iter()
            .map(|e| {
                crate::store_suite::altered(&e, |v| {
                    let wp = v["payload"]["wp_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    let wp = format!("P{process}-{wp}");
                    v["aggregate_id"] = json!(format!("m/{wp}"));
                    v["payload"]["wp_id"] = json!(wp);
                })
            })
            .collect();
        store.append(&batch, ExpectedPosition::Any).expect("append");
        clock += 5;
        let r = replay_store_json(store, ReducerKind::Status, &opts, None, round % 7 == 6)
            .expect("replay");
        let covered = stored_through(store, r.position);
        assert_eq!(covered.len() as u64, r.position, "positions are dense");
        assert_eq!(
            r.state.expect("state"),
            full_status(&covered),
            "process {process} round {round}"
        );
    }
}

/// Two (or more) processes that append and replay from checkpoints at the same time, on
/// one store: every replay equals the full replay of exactly the events it covers, and
/// afterwards the checkpointed replay of the whole store equals a full replay and the
/// reference's reduction of the stored events.
pub fn run_append_and_replay<S, F>(
    child_test: &str,
    location: &str,
    open: F,
    processes: usize,
    rounds: usize,
) where
    S: EventStore + CheckpointStore + Send,
    F: Fn(&str) -> S,
{
    run_children(
        child_test,
        location,
        (0..processes).map(|p| format!("append-replay:{p}:{rounds}")),
    );
    let mut store = open(location);
    let opts = status_options();
    let r = replay_store_json(&mut store, ReducerKind::Status, &opts, None, false).expect("replay");
    let all = stored_through(&store, u64::MAX);
    assert_eq!(all.len(), processes * rounds * 60);
    assert_eq!(r.position, all.len() as u64);
    let state = r.state.expect("state");
    assert_eq!(state, full_status(&all));
    let raw: Vec<Value> = all
        .iter()
        .map(|e| serde_json::to_value(e).expect("json"))
        .collect();
    let answer = crate::Oracle::start()
        .expect("oracle")
        .ask(
            &json!({"op": "reduce", "func": "spec_kitty_events.status:reduce_status_events",
                     "events": raw}),
        )
        .expect("answer");
    assert_eq!(
        crate::normalize_reports(&state),
        crate::normalize_reports(&answer["ok"]),
        "the reference agrees"
    );
}
