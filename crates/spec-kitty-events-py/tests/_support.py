"""Shared helpers of the differential tests: fixture sets, the reference's reducers,
comparisons that tolerate what the contract lets differ (unordered sets, the wording of
embedded pydantic reports), and a deterministic generator of payloads and streams."""

from __future__ import annotations

import copy
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import spec_kitty_events
from spec_kitty_events import Event
from spec_kitty_events.conformance import validate_event as ref_validate_event

REFERENCE_FIXTURES = Path(spec_kitty_events.__file__).parent / "conformance" / "fixtures"
BUNDLED_FIXTURES = Path(__file__).resolve().parents[2] / "spec-kitty-events" / "fixtures"

REF_REDUCERS = {
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


def ref_reducer(name: str):
    import importlib

    module, _, func = REF_REDUCERS[name].partition(":")
    return getattr(importlib.import_module(module), func)


def family(name: str) -> List[str]:
    """The event types a reducer consumes, from the reference's own constants."""
    from spec_kitty_events import (
        collaboration,
        connector,
        decisionpoint,
        dossier,
        glossary,
        lifecycle,
        mission_audit,
        mission_next,
        sync,
    )

    types = {
        "status": {"WPStatusChanged"},
        "lifecycle": set(lifecycle.MISSION_EVENT_TYPES) | {"WPStatusChanged"},
        "collaboration": set(collaboration.COLLABORATION_EVENT_TYPES),
        "glossary": set(glossary.GLOSSARY_EVENT_TYPES),
        "mission-next": set(mission_next.MISSION_NEXT_EVENT_TYPES),
        "dossier": set(dossier.DOSSIER_EVENT_TYPES),
        "mission-audit": set(mission_audit.MISSION_AUDIT_EVENT_TYPES),
        "decision-point": set(decisionpoint.DECISION_POINT_EVENT_TYPES),
        "connector": set(connector.CONNECTOR_EVENT_TYPES),
        "sync": set(sync.SYNC_EVENT_TYPES),
    }[name]
    return sorted(types)


# --- fixtures --------------------------------------------------------------------------


def manifest(root: Path) -> List[Dict[str, Any]]:
    return json.loads((root / "manifest.json").read_text(encoding="utf-8"))["fixtures"]


def verdict_fixtures(root: Path) -> List[Tuple[str, str, Any, bool]]:
    """(id, event_type, document, expected_valid) of every verdict fixture."""
    out = []
    for entry in manifest(root):
        if entry.get("fixture_type"):
            continue
        doc = json.loads((root / entry["path"]).read_text(encoding="utf-8"))
        out.append((entry["id"], entry["event_type"], doc, entry["expected_result"] == "valid"))
    return out


def known_types() -> List[str]:
    from spec_kitty_events.conformance import validators

    return sorted(validators._EVENT_TYPE_TO_MODEL)


def valid_samples() -> Dict[str, List[Dict[str, Any]]]:
    """Every valid payload (or envelope, for ``Event``) of every known type, from both
    fixture sets, as the reference judges them."""
    types = set(known_types())
    out: Dict[str, List[Dict[str, Any]]] = {}
    for root in (REFERENCE_FIXTURES, BUNDLED_FIXTURES):
        for _id, t, doc, _expected in verdict_fixtures(root):
            if t in types and isinstance(doc, dict) and ref_validate_event(doc, t).valid:
                out.setdefault(t, []).append(doc)
    return out


# --- comparisons -----------------------------------------------------------------------

_REPORT = re.compile(r"(\d+) validation errors? for (\w+)")


def report_pairs(text: str) -> Optional[Tuple[str, List[Tuple[str, str]]]]:
    """The prefix and (path, kind) pairs of a pydantic-style report embedded in a text
    (ours or the reference's), or None when the text embeds none."""
    m = _REPORT.search(text)
    if not m:
        return None
    prefix = text[: m.start()] + f"<report for {m.group(2)}>"
    pairs = []
    pending = ""
    for line in text[m.end() :].split("\n")[1:]:
        if line.startswith("    "):
            continue  # "For further information visit ..."
        if line.startswith("  "):
            kind = line.rsplit("[type=", 1)[-1].rstrip("]").split(",")[0].strip()
            pairs.append((pending, kind))
            pending = ""
        else:
            pending = line
    return prefix, pairs


def normalize(value: Any) -> Any:
    """Replaces embedded validation reports by their paths and kinds, recursively."""
    if isinstance(value, str):
        r = report_pairs(value)
        return value if r is None else f"{r[0]}{r[1]}"
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    return value


def canonical(state: Any) -> Any:
    """A reduced state with the reference's unordered sets sorted, reports normalised."""
    state = copy.deepcopy(state)
    if isinstance(state, dict):
        if isinstance(state.get("active_drivers"), list):
            state["active_drivers"] = sorted(state["active_drivers"], key=json.dumps)
        if isinstance(state.get("participants_by_focus"), dict):
            state["participants_by_focus"] = {
                k: sorted(v, key=json.dumps) for k, v in state["participants_by_focus"].items()
            }
        if isinstance(state.get("seen_delivery_pairs"), list):
            state["seen_delivery_pairs"] = sorted(state["seen_delivery_pairs"], key=json.dumps)
    return normalize(state)


def model_fields(result) -> Counter:
    return Counter(v.field for v in result.model_violations)


def model_kinds(result) -> Counter:
    return Counter((v.field, v.violation_type) for v in result.model_violations)


def schema_paths(result) -> Counter:
    return Counter(v.json_path for v in result.schema_violations)


def schema_details(result) -> Counter:
    return Counter(
        (v.json_path, v.validator, json.dumps(v.validator_value, sort_keys=True), tuple(v.schema_path))
        for v in result.schema_violations
    )


def outcome(call):
    """('ok', value) or ('raised', exception type name, message)."""
    try:
        return ("ok", call())
    except Exception as exc:  # noqa: BLE001 - every failure is compared
        return ("raised", type(exc).__name__, str(exc))


# --- generation ------------------------------------------------------------------------

ODD_VALUES: List[Any] = [
    None, "", " ", "x", "0", "5", " 5 ", "5.0", "1e3", "yes", "off", "true", "planned",
    "doing", "claimed", 0, 1, -1, 5, 2**63, 2**70, -(2**70), 1.0, 1.5, -0.0, 1e300, True,
    False, [], [1], ["a", "b"], {}, {"x": 1}, "2026-01-01T00:00:00Z", "2026-01-01",
    "12345678-1234-5678-1234-567812345678", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "é" * 3,
    "a" * 300,
]


def _paths(doc: Any, prefix: Tuple = ()) -> Iterator[Tuple]:
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


def _parent(doc: Any, path: Tuple):
    for step in path[:-1]:
        doc = doc[step]
    return doc


def mutate(doc: Dict[str, Any], rng: random.Random, pools: Dict[str, List[Any]]) -> Dict[str, Any]:
    """One to three random edits of a document: a value replaced (by an odd value or by
    a value seen under the same key elsewhere), a key removed, an unknown key added."""
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        paths = list(_paths(doc))
        op = rng.random()
        if not paths or op < 0.1:
            doc[rng.choice(["extra", "unknown_key", "x-y", "0"])] = rng.choice(ODD_VALUES)
            continue
        path = rng.choice(paths)
        parent = _parent(doc, path)
        key = path[-1]
        if op < 0.3 and isinstance(parent, dict):
            del parent[key]
        elif op < 0.55 and isinstance(key, str) and pools.get(key):
            parent[key] = copy.deepcopy(rng.choice(pools[key]))
        else:
            parent[key] = copy.deepcopy(rng.choice(ODD_VALUES))
    return doc


def value_pools(samples: Dict[str, List[Dict[str, Any]]]) -> Dict[str, List[Any]]:
    """Every value seen under each key in the valid samples."""
    pools: Dict[str, List[Any]] = {}

    def walk(doc: Any) -> None:
        if isinstance(doc, dict):
            for k, v in doc.items():
                pool = pools.setdefault(k, [])
                if v not in pool:
                    pool.append(v)
                walk(v)
        elif isinstance(doc, list):
            for v in doc:
                walk(v)

    for docs in samples.values():
        for d in docs:
            walk(d)
    return pools


NODES = ["node-a", "node-b", "node-c"]
OFFSETS = ["Z", "+00:00", "+02:00", "-05:00", ".250000Z", ".5+01:00", ""]


def _ulid(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "01" + "".join(rng.choice(alphabet) for _ in range(24))


def _id_like(key: str) -> bool:
    return key.endswith(("_id", "_slug", "_key", "_surface", "_name")) or key in (
        "actor", "participant", "scope", "term", "step", "lane", "to_lane", "from_lane", "state",
    )


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _referenced(rng: random.Random, key: str, events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """An earlier event for a reference field: one whose type the field names
    (``clarification_event_id`` → a ``…Clarification…`` event) when there is one."""
    stem = key[: -len("_event_id")]
    named = [e for e in events if stem and stem in _snake(e["event_type"])]
    return rng.choice(named if named and rng.random() < 0.95 else events)


def _envelope(rng: random.Random, t: str, payload: Dict[str, Any], clock: int) -> Dict[str, Any]:
    eid = _ulid(rng)
    if rng.random() < 0.1:
        eid = eid.lower()
    hour = rng.randint(0, 23)
    return {
        "event_id": eid,
        "event_type": t,
        "aggregate_id": f"agg-{rng.randint(1, 3)}",
        "payload": payload,
        "timestamp": f"2026-04-0{rng.randint(1, 3)}T{hour:02d}:{rng.randint(0, 59):02d}:00{rng.choice(OFFSETS)}",
        "build_id": "build-1",
        "node_id": rng.choice(NODES),
        "lamport_clock": clock,
        "causation_id": None,
        "project_uuid": "12345678-1234-5678-1234-567812345678",
        "correlation_id": eid,
        "schema_version": "3.0.0",
    }


def _prelude(
    rng: random.Random,
    reducer: Optional[str],
    events: List[Dict[str, Any]],
    samples: Dict[str, List[Dict[str, Any]]],
) -> List[Dict[str, Any]]:
    """Events that make the entities a stream refers to exist first, mostly: joins for
    collaboration's participants, scope activations and term observations for the
    glossary (the reducers refuse or flag references to unknown ones)."""
    out: List[Dict[str, Any]] = []
    if reducer == "collaboration" and "ParticipantJoined" in samples:
        pids = set()
        for e in events:
            p = e["payload"]
            if isinstance(p.get("participant_id"), str):
                pids.add(p["participant_id"])
            ids = p.get("participant_ids")
            for q in ids if isinstance(ids, list) else []:
                if isinstance(q, str):
                    pids.add(q)
        for pid in sorted(pids):
            if rng.random() < 0.92:
                payload = copy.deepcopy(rng.choice(samples["ParticipantJoined"]))
                payload["participant_id"] = pid
                if isinstance(payload.get("participant_identity"), dict):
                    payload["participant_identity"]["participant_id"] = pid
                out.append(_envelope(rng, "ParticipantJoined", payload, 0))
    if reducer == "glossary":
        scopes, terms = set(), set()
        for e in events:
            p = e["payload"]
            if isinstance(p.get("scope_id"), str):
                scopes.add(p["scope_id"])
                term = p.get("term_surface", p.get("term"))
                if isinstance(term, str):
                    terms.add((p["scope_id"], term))
        for scope in sorted(scopes):
            if rng.random() < 0.95 and "GlossaryScopeActivated" in samples:
                payload = dict(rng.choice(samples["GlossaryScopeActivated"]), scope_id=scope)
                out.append(_envelope(rng, "GlossaryScopeActivated", payload, 0))
        for scope, term in sorted(terms):
            if rng.random() < 0.95 and "TermCandidateObserved" in samples:
                payload = dict(rng.choice(samples["TermCandidateObserved"]), scope_id=scope, term_surface=term)
                out.append(_envelope(rng, "TermCandidateObserved", payload, 1))
    return out


def stream(
    rng: random.Random,
    types: List[str],
    samples: Dict[str, List[Dict[str, Any]]],
    pools: Dict[str, List[Any]],
    foreign: List[str],
    reducer: Optional[str] = None,
) -> List[Dict[str, Any]]:
    """A generated event stream for a reducer: envelopes of its family (plus a few
    foreign ones) whose payloads are valid samples with their identifiers drawn from
    small shared pools (so events meet on the same entities), references to earlier
    events' ids, one namespace-like object per stream, now and then a free mutation;
    concurrent clocks, every timestamp form, redelivered duplicates, ids in every
    accepted case; for some reducers a prelude that makes referenced entities exist."""
    id_pools: Dict[str, List[Any]] = {}
    objects: Dict[str, Any] = {}
    events: List[Dict[str, Any]] = []
    consistent = rng.random() < 0.8  # one object per key (a namespace, …) in the stream
    for n in range(rng.randint(1, 24)):
        t = rng.choice(foreign) if foreign and rng.random() < 0.08 else rng.choice(types)
        payload = copy.deepcopy(rng.choice(samples[t]))
        for key in list(payload):
            value = payload[key]
            if key.endswith("_event_id"):
                if events and rng.random() < 0.9:
                    payload[key] = _referenced(rng, key, events)["event_id"]
            elif key.endswith("_event_ids") and isinstance(value, list) and events and rng.random() < 0.6:
                payload[key] = [rng.choice(events)["event_id"] for _ in value]
            elif _id_like(key) and isinstance(value, str) and rng.random() < 0.7:
                pool = id_pools.setdefault(key, [])
                seen = pools.get(key, [])
                if not pool or (len(pool) < 3 and rng.random() < 0.3):
                    candidates = [v for v in seen if isinstance(v, str)] or [value]
                    pool.append(rng.choice(candidates))
                payload[key] = rng.choice(pool)
            elif isinstance(value, dict) and (consistent or rng.random() < 0.7):
                payload[key] = copy.deepcopy(objects.setdefault(key, value))
        if rng.random() < 0.06:
            payload = mutate(payload, rng, pools)
        # Clocks mostly follow the order of generation (references point backwards),
        # with ties and the odd step back.
        events.append(_envelope(rng, t, payload, max(0, n - rng.choice([0, 0, 0, 1, 2]))))
        if rng.random() < 0.08:
            events.append(copy.deepcopy(rng.choice(events)))
    events = _prelude(rng, reducer, events, samples) + events
    rng.shuffle(events)
    return events
