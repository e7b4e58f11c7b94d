"""Times the Python reference (spec-kitty-events 4.0.0) on the inputs the Rust
benchmark writes, so both sides are measured on identical data.

Usage: python reference_bench.py <target>/bench-data [repeats]

Prints events/s for: JSONL text -> Event (parse + model validation), validate_event on
WPStatusChanged envelopes, and status reduction of the 100,000-event stream. Each
measurement is the best of `repeats` runs (default 3).
"""
import json
import sys
import time
from pathlib import Path

from spec_kitty_events import Event
from spec_kitty_events.conformance import validate_event
from spec_kitty_events.status import reduce_status_events


def best_of(repeats, fn):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    data = Path(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    envelope_text = (data / "envelopes-10k.jsonl").read_text()
    status_text = (data / "status-100k.jsonl").read_text()

    def parse():
        n = 0
        for line in envelope_text.splitlines():
            Event.model_validate(json.loads(line))
            n += 1
        assert n == 10_000

    envelopes = [json.loads(line) for line in envelope_text.splitlines()]

    def validate():
        for v in envelopes:
            validate_event(v, "WPStatusChanged")

    events = [Event.model_validate(json.loads(line)) for line in status_text.splitlines()]
    assert len(events) == 100_000

    def reduce():
        reduce_status_events(events)

    rows = [
        ("envelope: JSONL text -> Event", 10_000, best_of(repeats, parse)),
        ("validate_event(WPStatusChanged envelope)", 10_000, best_of(repeats, validate)),
        ("reduce_status_events", 100_000, best_of(repeats, reduce)),
    ]
    for name, n, secs in rows:
        print(f"{name:45s} {n:>7d} events  {secs * 1000:10.1f} ms  {n / secs:12,.0f} events/s")


if __name__ == "__main__":
    main()
