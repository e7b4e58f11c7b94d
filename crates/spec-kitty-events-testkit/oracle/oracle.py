"""Answers questions about the reference package, one JSON request per stdin line.

Requests (one JSON object per line), each answered with one JSON line on stdout:
  {"op": "validate", "event_type": T, "value": V}
      -> {"valid": bool, "model": [[path, kind], ...], "schema": [[path, keyword], ...]}
         or {"error": {"type": ..., "message": ...}}
  {"op": "model", "model": "module:Class", "value": V}
      -> {"ok": <model_dump(mode="json")>} or {"errors": [[path, kind], ...]}
  {"op": "event", "value": V}
      -> {"ok": <Event model_dump(mode="json")>} or {"errors": [[path, kind], ...]}
  {"op": "reduce", "func": "module:function", "events": [V, ...], "kwargs": {...}}
      Each event is parsed with Event.model_validate; those that fail are skipped (as our
      CLI reports and skips them).
      -> {"ok": <result model_dump(mode="json")>, "skipped": n} or {"error": {...}}
  {"op": "call", "func": "module:function", "args": [...]}
      -> {"ok": <result, JSON-serialised>} or {"error": {...}}
  {"op": "events_call", "func": "module:function", "events": [V, ...], "args": [...]}
      Parses the events (all must be valid), then calls func(events, *args), or
      func(*events, *args) with "spread": true.
      -> {"ok": <result, JSON-serialised; events as their event_id>} or {"error": {...}}
"""
import importlib
import json
import sys

from pydantic import BaseModel, ValidationError


def _resolve(path):
    module, _, name = path.partition(":")
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _errors(exc):
    return [[".".join(str(p) for p in e["loc"]), e["type"]] for e in exc.errors()]


def _dump(value):
    import dataclasses

    from spec_kitty_events import Event

    if isinstance(value, Event):
        return value.event_id
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (list, tuple)):
        return [_dump(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_dump(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _dump(v) for k, v in value.items()}
    if hasattr(value, "value") and hasattr(value, "name"):
        return value.value
    return value


def _fail(exc):
    return {"error": {"type": type(exc).__name__, "message": str(exc)}}


def handle(req):
    op = req["op"]
    if op == "validate":
        from spec_kitty_events.conformance import validate_event

        try:
            r = validate_event(req["value"], req["event_type"])
        except Exception as exc:  # noqa: BLE001 - the oracle reports every failure
            return _fail(exc)
        return {
            "valid": r.valid,
            "model": [[v.field, v.violation_type] for v in r.model_violations],
            "schema": [[v.json_path, v.validator] for v in r.schema_violations],
        }
    if op in ("model", "event"):
        cls = _resolve(req["model"]) if op == "model" else _resolve("spec_kitty_events:Event")
        try:
            return {"ok": cls.model_validate(req["value"]).model_dump(mode="json")}
        except ValidationError as exc:
            return {"errors": _errors(exc)}
        except Exception as exc:  # noqa: BLE001
            return _fail(exc)
    if op == "reduce":
        from spec_kitty_events import Event

        events, skipped = [], 0
        for raw in req["events"]:
            try:
                events.append(Event.model_validate(raw))
            except Exception:  # noqa: BLE001
                skipped += 1
        try:
            out = _resolve(req["func"])(events, **req.get("kwargs", {}))
        except Exception as exc:  # noqa: BLE001
            return dict(_fail(exc), skipped=skipped)
        return {"ok": _dump(out), "skipped": skipped}
    if op == "call":
        try:
            return {"ok": _dump(_resolve(req["func"])(*req.get("args", [])))}
        except Exception as exc:  # noqa: BLE001
            return _fail(exc)
    if op == "events_call":
        from spec_kitty_events import Event

        try:
            events = [Event.model_validate(raw) for raw in req["events"]]
            func = _resolve(req["func"])
            args = req.get("args", [])
            out = func(*events, *args) if req.get("spread") else func(events, *args)
            return {"ok": _dump(out)}
        except Exception as exc:  # noqa: BLE001
            return _fail(exc)
    return {"error": {"type": "UnknownOp", "message": op}}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            resp = handle(json.loads(line))
        except Exception as exc:  # noqa: BLE001
            resp = _fail(exc)
        sys.stdout.write(json.dumps(resp) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
