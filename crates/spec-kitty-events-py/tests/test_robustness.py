"""Bad input raises a Python exception, never crashes the interpreter; repeated calls do
not leak."""

from __future__ import annotations

import datetime
import gc
import json
import math
import os
import resource
import subprocess
import sys
import threading
import time
import uuid

import pytest

import spec_kitty_events_rs as rs
from _support import valid_samples

PAYLOAD = {
    "mission_slug": "m", "wp_id": "WP01", "to_lane": "planned", "actor": "ci-bot",
    "execution_mode": "worktree",
}


def deep(n, leaf=1):
    v = leaf
    for _ in range(n):
        v = {"a": [v]}
    return v


def cyclic():
    d = {}
    d["self"] = d
    return d


BAD_PAYLOADS = [
    None, 5, 1.5, "x", b"", "", "[1, 2]", "5", "null", "{", b"\xff\xfe", "{\"a\": }",
    "{\"a\": 1} trailing", [PAYLOAD], (PAYLOAD,), {1: "int key"}, {("t",): 1},
    {"wp_id": {1, 2}}, {"wp_id": object()}, {"wp_id": datetime.datetime.now()},
    {"wp_id": b"bytes"}, {"wp_id": "\ud800"}, {"wp_id": 10**5000}, cyclic(),
    {"nested": deep(200)}, "[" * 100_000, "{\"a\":" * 100_000,
]


@pytest.mark.parametrize("payload", BAD_PAYLOADS, ids=[f"bad{i}-{type(p).__name__}" for i, p in enumerate(BAD_PAYLOADS)])
def test_bad_payloads_raise_or_report(payload):
    for event_type in ("WPStatusChanged", "Event"):
        try:
            result = rs.validate_event(payload, event_type)
        except (TypeError, ValueError):
            continue
        # Some odd values are still JSON (a dict with a big or nested value): a verdict.
        assert result.valid is False


def test_bad_payloads_raise_the_expected_kind():
    with pytest.raises(TypeError):
        rs.validate_event(None, "WPStatusChanged")
    with pytest.raises(TypeError):
        rs.validate_event([PAYLOAD], "WPStatusChanged")
    with pytest.raises(TypeError):
        rs.validate_event("[1]", "WPStatusChanged")
    with pytest.raises(ValueError, match="invalid JSON"):
        rs.validate_event("{", "WPStatusChanged")
    with pytest.raises(TypeError, match="keys must be str"):
        rs.validate_event({1: 2}, "WPStatusChanged")
    with pytest.raises(ValueError, match="nested"):
        rs.validate_event(cyclic(), "WPStatusChanged")
    with pytest.raises(ValueError, match="nested"):
        rs.validate_event({"x": deep(500)}, "WPStatusChanged")
    with pytest.raises(ValueError):
        rs.validate_event("{\"a\":" * 100_000, "WPStatusChanged")


def test_huge_values_are_judged():
    big = dict(PAYLOAD, actor="x" * 5_000_000, extra=list(range(100_000)))
    r = rs.validate_event(big, "WPStatusChanged")
    r2 = rs.validate_event(json.dumps(big), "WPStatusChanged")
    assert r.valid == r2.valid
    huge_int = dict(PAYLOAD, wp_id=2**200)
    assert not rs.validate_event(huge_int, "WPStatusChanged").valid
    odd = dict(PAYLOAD, extra=[math.nan, math.inf, -0.0, 1e308])
    rs.validate_event(odd, "WPStatusChanged")


def test_value_subclasses_are_read_as_their_base():
    import enum

    class Lane(str, enum.Enum):
        PLANNED = "planned"

    class Clock(enum.IntEnum):
        ONE = 1

    payload = dict(PAYLOAD, to_lane=Lane.PLANNED)
    assert rs.validate_event(payload, "WPStatusChanged").valid
    from spec_kitty_events.conformance import validate_event as ref

    assert ref(payload, "WPStatusChanged").valid
    env = dict(valid_samples()["Event"][0], lamport_clock=Clock.ONE)
    assert rs.parse_event(env)["lamport_clock"] == 1


@pytest.mark.parametrize(
    "bad",
    [None, 5, "x", b"{", "[]", [1], {"event_id": 5}, {1: 2}, cyclic(), object(), uuid.uuid4()],
    ids=lambda p: repr(p)[:30],
)
def test_bad_events_raise(bad):
    with pytest.raises((TypeError, ValueError)):
        rs.parse_event(bad)
    for reducer in rs.REDUCERS:
        with pytest.raises((TypeError, ValueError)):
            rs.reduce(reducer, [bad])


def test_bad_reducer_arguments_raise():
    with pytest.raises(ValueError, match="unknown reducer"):
        rs.reduce("nope", [])
    with pytest.raises(TypeError):
        rs.reduce("status", 5)
    with pytest.raises(TypeError):
        rs.reduce("status", [], mode="strict")
    with pytest.raises(ValueError):
        rs.reduce("glossary", [], mode="lenient")
    with pytest.raises(TypeError):
        rs.reduce("status", [], roster={})
    with pytest.raises(TypeError):
        rs.reduce("collaboration", [], roster=[1])
    with pytest.raises(ValueError):
        rs.reduce("collaboration", [], roster={"p1": {"participant_id": 5}})

    def failing():
        yield valid_samples()["Event"][0]
        raise RuntimeError("from the iterator")

    with pytest.raises(RuntimeError, match="from the iterator"):
        rs.reduce("status", failing())


def test_bad_sources_raise():
    with pytest.raises(TypeError):
        rs.validate_jsonl(5)
    with pytest.raises(FileNotFoundError):
        rs.validate_jsonl(__import__("pathlib").Path("/nonexistent/log.jsonl"))
    with pytest.raises(ValueError):
        rs.validate_jsonl("", event_type="Nope")
    with pytest.raises(FileNotFoundError):
        rs.replay_jsonl("status", __import__("pathlib").Path("/nonexistent/log.jsonl"))
    # Broken records are reported, not raised.
    results = rs.validate_jsonl(b"\xff\n{\n[1,\n\"x\"\n" + b"{" * 100_000 + b"\n")
    assert [r["valid"] for r in results] == [False] * len(results) and len(results) == 5
    out = rs.replay_jsonl("status", "{\"a\": 1}\nnot json\n")
    assert out["events"] == 0 and len(out["rejected"]) == 2


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_a_million_validate_event_calls_do_not_grow_memory():
    samples = valid_samples()
    cases = [(samples["WPStatusChanged"][0], "WPStatusChanged"),
             ({"wp_id": 5, "to_lane": "doing"}, "WPStatusChanged"),
             (json.dumps(samples["Event"][0]), "Event"),
             (dict(samples["Event"][0], schema_version="2.0.0"), "Event")]
    for payload, t in cases * 5000:
        rs.validate_event(payload, t)
    gc.collect()
    before = rss_kib()
    for i in range(1_000_000):
        payload, t = cases[i & 3]
        rs.validate_event(payload, t)
    gc.collect()
    after = rss_kib()
    print(f"RSS before {before} KiB, after a million calls {after} KiB")
    assert after - before < 8 * 1024, (before, after)


def test_jsonl_calls_release_the_gil(tmp_path):
    samples = valid_samples()
    env = dict(samples["Event"][0], event_type="WPStatusChanged", payload=samples["WPStatusChanged"][0])
    path = tmp_path / "log.jsonl"
    with open(path, "w") as f:
        for i in range(200_000):
            f.write(json.dumps(dict(env, lamport_clock=i)) + "\n")
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        start = time.perf_counter()
        out = rs.replay_jsonl("status", path)
        results = rs.validate_jsonl(path)
        elapsed = time.perf_counter() - start
    finally:
        stop.set()
        t.join()
    assert out["events"] == 200_000 and len(results) == 200_000
    during = [x for x in ticks if start <= x <= start + elapsed]
    # With the GIL held for the whole call the ticker would not run at all.
    assert len(during) > 10, (len(during), elapsed)


def test_a_crash_would_be_seen():
    # Runs the worst inputs in a child interpreter: a crash (signal) fails here.
    code = (
        "import spec_kitty_events_rs as rs\n"
        "for p in ['[' * 200000, b'{' * 200000, '\"' + 'a' * 1000]:\n"
        "    try: rs.validate_event(p, 'Event')\n"
        "    except (TypeError, ValueError): pass\n"
        "    rs.validate_jsonl(p)\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
