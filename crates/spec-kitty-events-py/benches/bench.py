"""spec_kitty_events_rs against the reference spec_kitty_events 4.0.0, in one process, on
the same data; prints timings and ratios.

Usage (a Python with both packages installed):

    python crates/spec-kitty-events-py/benches/bench.py [--log STATUS_LOG] [--repeat N]

STATUS_LOG is a JSONL log of WPStatusChanged envelopes; without it the script writes
one of 100,000 events with the CLI's generator
(`cargo run --release -p spec-kitty-events-cli --example gen_log -- 100000`).

Measured:
- validate_event per call over the fixture mix: every verdict fixture of the bundled set
  (every payload type and the envelope, valid and invalid; lane mappings aside);
- reduce("status") of the log's envelopes as the reference's Event objects, against the
  reference's reduce_status_events on the same objects; and from dicts;
- replay_jsonl("status", path) against the reference reading the same file with
  json.loads + Event.model_validate per line, then reduce_status_events.
Each figure is the best of N runs, ours and the reference's runs interleaved.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from pydantic import ValidationError
from spec_kitty_events import Event
from spec_kitty_events.conformance import validate_event as ref_validate_event
from spec_kitty_events.status import reduce_status_events

import spec_kitty_events_rs as rs

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "crates" / "spec-kitty-events" / "fixtures"


CPU = {}


def timed(fn):
    """Wall time and CPU time (every thread of the process) of one call."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def interleaved(ours, theirs, repeat, label):
    """Best wall times of ours and theirs, runs interleaved; the CPU times of those runs
    are kept in CPU[label] (a shared machine stretches wall times, CPU times much less)."""
    runs_ours, runs_theirs = [], []
    for _ in range(repeat):
        runs_ours.append(timed(ours))
        runs_theirs.append(timed(theirs))
    CPU[label] = (min(c for _, c in runs_ours), min(c for _, c in runs_theirs))
    return min(w for w, _ in runs_ours), min(w for w, _ in runs_theirs)


def cpu_note(label, scale=1.0):
    o, t = CPU[label]
    return f"    (CPU time: ours {o * scale:.3g}, reference {t * scale:.3g}, {t / o:.1f}x)"


def machine():
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({model}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {datetime.date.today().isoformat()}, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


def fixture_mix():
    manifest = json.loads((FIXTURES / "manifest.json").read_text())["fixtures"]
    cases = []
    for e in manifest:
        if e.get("fixture_type") or e["event_type"] == "LaneMapping":
            continue
        cases.append((json.loads((FIXTURES / e["path"]).read_text()), e["event_type"]))
    return cases


def status_log(path):
    if path:
        return Path(path)
    out = ROOT / "target" / "bench-data" / "status-100k.jsonl"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "wb") as f:
            subprocess.run(
                ["cargo", "run", "--quiet", "--release", "-p", "spec-kitty-events-cli",
                 "--example", "gen_log", "--", "100000"],
                cwd=ROOT, stdout=f, check=True,
            )
    return out


def reference_replay(path):
    events = []
    with open(path, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                events.append(Event.model_validate(json.loads(line)))
            except (ValueError, ValidationError):
                pass
    return reduce_status_events(events).model_dump(mode="json")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(machine())
    print(f"spec_kitty_events_rs {rs.__version__}, contract {rs.CONTRACT_VERSION}")
    print()

    cases = fixture_mix()
    # Ours repeats the mix so that its timed window is about as long as the reference's
    # single pass (some 17 ms): a window of a few milliseconds is stretched whole by one
    # scheduling hiccup of this shared machine, a longer one much less.
    loops = 50
    def ours_mix():
        for _ in range(loops):
            for p, t in cases:
                rs.validate_event(p, t)
    def ref_mix():
        for p, t in cases:
            ref_validate_event(p, t)
    t_ours, t_ref = interleaved(ours_mix, ref_mix, args.repeat, "validate")
    per_ours, per_ref = t_ours / (loops * len(cases)), t_ref / len(cases)
    print(f"validate_event, fixture mix ({len(cases)} cases): "
          f"ours {per_ours * 1e6:.2f} µs/call, reference {per_ref * 1e6:.1f} µs/call, "
          f"{per_ref / per_ours:.0f}x")
    o, t = CPU["validate"]
    o, t = o / (loops * len(cases)), t / len(cases)
    print(f"    (CPU time per call: ours {o * 1e6:.2f} µs, reference {t * 1e6:.1f} µs, {t / o:.0f}x)")

    path = status_log(args.log)
    lines = [l for l in path.read_bytes().splitlines() if l.strip()]
    # The reducers take valid envelopes: records the reference refuses (the corpus logs
    # hold about 1 % of them) are left out of the reduce runs, as reference_replay does.
    dicts, objects = [], []
    for l in lines:
        try:
            d = json.loads(l)
            e = Event.model_validate(d)
        except (ValueError, ValidationError):
            continue
        dicts.append(d)
        objects.append(e)
    n = len(objects)
    assert rs.reduce("status", objects) == rs.reduce("status", dicts)

    t_ours, t_ref = interleaved(lambda: rs.reduce("status", objects),
                                lambda: reduce_status_events(objects).model_dump(mode="json"),
                                args.repeat, "objects")
    print(f"reduce status, {n:,} Event objects: ours {t_ours * 1e3:.0f} ms, "
          f"reference reducer {t_ref * 1e3:.0f} ms, {t_ref / t_ours:.1f}x")
    print(cpu_note("objects", 1e3) + " ms")
    t_dicts, t_ref2 = interleaved(lambda: rs.reduce("status", dicts),
                                  lambda: reduce_status_events(objects).model_dump(mode="json"),
                                  args.repeat, "dicts")
    t_ref = min(t_ref, t_ref2)
    print(f"reduce status, {n:,} dicts: ours {t_dicts * 1e3:.0f} ms, "
          f"reference reducer {t_ref * 1e3:.0f} ms, {t_ref / t_dicts:.1f}x")
    print(cpu_note("dicts", 1e3) + " ms")

    del objects, dicts
    gc.collect()
    t_ours, t_ref = interleaved(lambda: rs.replay_jsonl("status", path),
                                lambda: reference_replay(path),
                                args.repeat, "replay")
    print(f"replay_jsonl status, {path.name} ({len(lines):,} lines): ours {t_ours * 1e3:.0f} ms, "
          f"reference json.loads + Event.model_validate + reducer {t_ref * 1e3:.0f} ms, "
          f"{t_ref / t_ours:.1f}x")
    print(cpu_note("replay", 1e3) + " ms")
    print()
    print(machine())


if __name__ == "__main__":
    sys.exit(main())
