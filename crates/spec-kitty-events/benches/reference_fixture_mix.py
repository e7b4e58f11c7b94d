"""Times the reference's `validate_event` on the cases written by `benches/fixture_mix.rs`.

Usage: python reference_fixture_mix.py <bench-data dir> [repeats]
"""
import json
import sys
import time
from pathlib import Path

from spec_kitty_events.conformance import validate_event


def main():
    data = Path(sys.argv[1]) / "fixture-mix.jsonl"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    cases = [json.loads(line) for line in data.open() if line.strip()]
    best = None
    for _ in range(repeats):
        start = time.perf_counter()
        for case in cases:
            validate_event(case["value"], case["event_type"])
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    print(f"{len(cases)} cases  {best * 1000:.1f} ms  {len(cases) / best:,.0f} validations/s")


if __name__ == "__main__":
    main()
