"""Times the reference's reducers on the streams written by `benches/reducers.rs`.

Usage: python reference_reducers.py <bench-data dir> [repeats]

Events are parsed with `Event.model_validate` before timing; each reducer is timed on the
parsed list (best of `repeats`), as the Rust bench times `replay` on parsed events.
"""
import importlib
import json
import sys
import time
from pathlib import Path

from spec_kitty_events import Event

REDUCERS = {
    "status": "spec_kitty_events.status:reduce_status_events",
    "lifecycle": "spec_kitty_events.lifecycle:reduce_lifecycle_events",
    "collaboration": "spec_kitty_events.collaboration:reduce_collaboration_events",
    "glossary": "spec_kitty_events.glossary:reduce_glossary_events",
    "mission-next": "spec_kitty_events.mission_next:reduce_mission_next_events",
    "dossier": "spec_kitty_events.dossier:reduce_mission_dossier",
    "mission-audit": "spec_kitty_events.mission_audit:reduce_mission_audit_events",
    "decision-point": "spec_kitty_events.decisionpoint:reduce_decision_point_events",
    "connector": "spec_kitty_events.connector:reduce_connector_events",
    "sync": "spec_kitty_events.sync:reduce_sync_events",
}


def resolve(path):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def main():
    data = Path(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    for name, func_path in REDUCERS.items():
        path = data / f"replay-{name}-100k.jsonl"
        if not path.exists():
            continue
        events = [Event.model_validate(json.loads(line)) for line in path.open() if line.strip()]
        func = resolve(func_path)
        best = min(_time(func, events) for _ in range(repeats))
        print(f"{name:16} {len(events):>8} events  {best * 1000:10.1f} ms  {len(events) / best:12,.0f} events/s")


def _time(func, events):
    start = time.perf_counter()
    func(events)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
