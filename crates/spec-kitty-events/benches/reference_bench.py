"""The Python reference (spec-kitty-events 4.0.0) on the benchmark corpus, as the
counterpart of our CLI and of our criterion benches. Standard library + the reference only.

Usage:
  python reference_bench.py replay --reducer R [--valid-only] FILE
      What `spec-kitty-events replay --reducer R --format json FILE` does, the reference's
      way: per line `json.loads` + `Event.model_validate` (lines that fail are counted and
      skipped), then the reducer with its default arguments, then prints
      `model_dump(mode="json")` of the reduced state as one JSON line. With --valid-only,
      only records that `validate` below finds valid are kept: the reference's model of
      `log append` (which stores only valid events) followed by `log replay`.
      Exit 0; 1 if the reducer raised (the message goes to stderr).
  python reference_bench.py validate FILE
      What `spec-kitty-events validate --format json FILE` decides, per non-blank line:
      `Event.model_validate` and `validate_event(envelope, event_type, strict=True)`
      (cutover policy, payload model, payload schema); for an event type no contract knows,
      the cutover policy alone. Prints `{"line", "event_type", "valid"}` per record.
  python reference_bench.py inprocess DATA_DIR [--repeats N] [--json]
      In-process timings, best of N (default 3): `Event.model_validate_json` per line and
      `Event.model_validate(json.loads(line))` per line of status-100k.jsonl;
      `validate_event(envelope, "WPStatusChanged", strict=True)` on the envelopes of
      status-10k.jsonl; each reducer on the pre-parsed events of its log (status-100k.jsonl
      for status, replay-<reducer>-100k.jsonl for the others). With --json, one JSON object
      per measurement. (`python reference_bench.py DATA_DIR [N]` is the same.)

DATA_DIR is the corpus directory written by `cargo run --release -p spec-kitty-events
--example gen_corpus` (`scripts/bench` uses `<target>/bench-data`).
"""
import argparse
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


def records(path):
    """(1-based line number, raw bytes) of every non-blank line, as our CLI numbers them."""
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            if raw.strip():
                yield n, raw


_CHECKS = None


def _checks():
    """`validate_event` and the cutover check, imported on first use (`replay` needs
    neither, and importing the conformance layer loads jsonschema)."""
    global _CHECKS
    if _CHECKS is None:
        from spec_kitty_events.conformance import validate_event
        from spec_kitty_events.cutover import assert_canonical_cutover_signal

        _CHECKS = (validate_event, assert_canonical_cutover_signal)
    return _CHECKS


def verdict(obj):
    """The reference's verdict on one envelope, all layers (see `validate`)."""
    validate_event, assert_canonical_cutover_signal = _checks()
    if not isinstance(obj, dict):
        return False
    valid = True
    try:
        Event.model_validate(obj)
    except Exception:  # noqa: BLE001 - any refusal is a verdict
        valid = False
    event_type = obj.get("event_type")
    try:
        if not isinstance(event_type, str):
            raise ValueError("no event type")
        valid = validate_event(obj, event_type, strict=True).valid and valid
    except ValueError as exc:
        if not str(exc).startswith("Unknown event type"):
            return False
        try:
            assert_canonical_cutover_signal(obj)
        except (TypeError, ValueError):
            valid = False
    except Exception:  # noqa: BLE001
        valid = False
    return valid


def cmd_replay(args):
    events, rejected = [], 0
    for _, raw in records(args.file):
        try:
            obj = json.loads(raw)
            event = Event.model_validate(obj)
        except Exception:  # noqa: BLE001 - skipped, as our CLI skips it
            rejected += 1
            continue
        if args.valid_only and not verdict(obj):
            rejected += 1
            continue
        events.append(event)
    try:
        state = resolve(REDUCERS[args.reducer])(events)
    except Exception as exc:  # noqa: BLE001
        print(f"error: {args.reducer} reducer refused the log: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(state.model_dump(mode="json")) + "\n")
    print(f"{len(events)} event(s) replayed, {rejected} record(s) rejected", file=sys.stderr)
    return 0


def cmd_validate(args):
    out = sys.stdout
    for n, raw in records(args.file):
        try:
            obj = json.loads(raw)
        except ValueError:
            out.write(json.dumps({"line": n, "event_type": None, "valid": False}) + "\n")
            continue
        event_type = obj.get("event_type") if isinstance(obj, dict) else None
        if not isinstance(event_type, str):
            event_type = None
        out.write(json.dumps({"line": n, "event_type": event_type, "valid": verdict(obj)}) + "\n")
    return 0


def best_of(repeats, fn):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def parse_events(path):
    events = []
    for _, raw in records(path):
        try:
            events.append(Event.model_validate_json(raw))
        except Exception:  # noqa: BLE001
            pass
    return events


def cmd_inprocess(args):
    from spec_kitty_events.conformance import validate_event

    data = Path(args.data)
    repeats = args.repeats
    rows = []

    def emit(name, items, seconds):
        rows.append({"name": name, "items": items, "seconds": seconds})
        if args.json:
            print(json.dumps(rows[-1]), flush=True)
        else:
            print(f"{name:58s} {items:>8d}  {seconds * 1000:10.1f} ms  "
                  f"{items / seconds:12,.0f} /s", flush=True)

    lines = [raw for _, raw in records(data / "status-100k.jsonl")]

    def model_validate_json():
        for raw in lines:
            try:
                Event.model_validate_json(raw)
            except Exception:  # noqa: BLE001
                pass

    def loads_and_validate():
        for raw in lines:
            try:
                Event.model_validate(json.loads(raw))
            except Exception:  # noqa: BLE001
                pass

    emit("status-100k: Event.model_validate_json per line", len(lines),
         best_of(repeats, model_validate_json))
    emit("status-100k: Event.model_validate(json.loads) per line", len(lines),
         best_of(repeats, loads_and_validate))

    envelopes = []
    for _, raw in records(data / "status-10k.jsonl"):
        try:
            obj = json.loads(raw)
        except ValueError:
            continue
        if isinstance(obj, dict) and obj.get("event_type") == "WPStatusChanged" \
                and isinstance(obj.get("payload"), dict):
            envelopes.append(obj)

    def validate():
        for obj in envelopes:
            validate_event(obj, "WPStatusChanged", strict=True)

    emit("status-10k: validate_event(envelope, WPStatusChanged)", len(envelopes),
         best_of(repeats, validate))

    for name, func_path in REDUCERS.items():
        path = data / ("status-100k.jsonl" if name == "status" else f"replay-{name}-100k.jsonl")
        if not path.exists():
            continue
        events = parse_events(path)
        func = resolve(func_path)
        emit(f"reduce {name} ({path.name}, parsed events)", len(events),
             best_of(repeats, lambda: func(events)))
    return 0


def main(argv):
    if argv and argv[0] not in ("replay", "validate", "inprocess", "-h", "--help"):
        argv = ["inprocess", argv[0]] + (["--repeats", argv[1]] if len(argv) > 1 else [])
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("replay")
    p.add_argument("--reducer", required=True, choices=sorted(REDUCERS))
    p.add_argument("--valid-only", action="store_true")
    p.add_argument("file")
    p = sub.add_parser("validate")
    p.add_argument("file")
    p = sub.add_parser("inprocess")
    p.add_argument("data")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    return {"replay": cmd_replay, "validate": cmd_validate, "inprocess": cmd_inprocess}[
        args.command](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
