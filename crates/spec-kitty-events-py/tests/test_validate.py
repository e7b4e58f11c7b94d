"""validate_event against the reference's spec_kitty_events.conformance.validate_event,
in the same interpreter, on the same values."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from spec_kitty_events.conformance import validate_event as ref_validate

import spec_kitty_events_rs as rs
from _support import (
    BUNDLED_FIXTURES,
    REFERENCE_FIXTURES,
    known_types,
    model_fields,
    model_kinds,
    mutate,
    outcome,
    schema_details,
    schema_paths,
    valid_samples,
    value_pools,
    verdict_fixtures,
)


def agree(doc, event_type, *, details=True):
    """Asserts ours and the reference agree on one document; returns the verdict."""
    ref = outcome(lambda: ref_validate(doc, event_type))
    ours = outcome(lambda: rs.validate_event(doc, event_type))
    if ref[0] == "raised":
        assert ours[0] == "raised", (event_type, doc, ref, ours)
        return None
    assert ours[0] == "ok", (event_type, doc, ours)
    r, o = ref[1], ours[1]
    assert o.valid == r.valid, (event_type, doc, r, o)
    assert model_fields(o) == model_fields(r), (event_type, doc, r.model_violations, o.model_violations)
    assert schema_paths(o) == schema_paths(r), (event_type, doc, r.schema_violations, o.schema_violations)
    if details:
        assert model_kinds(o) == model_kinds(r), (event_type, doc)
        assert schema_details(o) == schema_details(r), (event_type, doc, r.schema_violations, o.schema_violations)
    assert o.event_type == r.event_type
    assert o.schema_check_skipped == r.schema_check_skipped
    return r.valid


@pytest.mark.parametrize("root", [REFERENCE_FIXTURES, BUNDLED_FIXTURES], ids=["reference", "bundled"])
def test_every_fixture_agrees(root):
    cases = verdict_fixtures(root)
    assert len(cases) >= 148
    verdicts = Counter()
    for fid, event_type, doc, expected in cases:
        verdict = agree(doc, event_type)
        verdicts[verdict] += 1
        # (The reference is the oracle, not the manifest: a few of its own fixtures carry
        # a verdict its validate_event does not give.)
        # JSON text gives the same result as the dict.
        if isinstance(doc, dict) and verdict is not None:
            text = rs.validate_event(json.dumps(doc), event_type)
            assert text.valid == verdict
            assert model_fields(text) == model_fields(rs.validate_event(doc, event_type))
            raw = rs.validate_event(json.dumps(doc).encode(), event_type)
            assert schema_paths(raw) == schema_paths(text)
    print(f"{root}: {len(cases)} fixtures, verdicts {dict(verdicts)}")
    assert verdicts[True] > 50 and verdicts[False] > 30


def test_generated_payloads_agree_over_every_type():
    samples = valid_samples()
    missing = set(known_types()) - set(samples)
    assert not missing, f"no valid sample for {sorted(missing)}"
    pools = value_pools(samples)
    rng = random.Random(0x5EED)
    per_type = 60
    total, invalid = 0, 0
    for event_type in known_types():
        for _ in range(per_type):
            doc = mutate(rng.choice(samples[event_type]), rng, pools)
            verdict = agree(doc, event_type)
            total += 1
            invalid += verdict is False
    print(f"{total} generated payloads over {len(known_types())} types, {invalid} invalid")
    assert total >= 4000 and invalid > total // 4


def test_envelopes_are_recognised_as_the_reference_recognises_them():
    samples = valid_samples()
    rng = random.Random(7)
    envelope = samples["Event"][0]
    checked = 0
    for event_type in known_types():
        if event_type == "Event":
            continue
        payload = rng.choice(samples[event_type])
        for version in ("3.0.0", "2.0.0", None, 3):
            for claimed in (event_type, "Other"):
                env = dict(envelope, event_type=claimed, payload=payload)
                if version is None:
                    env.pop("schema_version", None)
                else:
                    env["schema_version"] = version
                agree(env, event_type)
                checked += 1
        agree(dict(envelope, event_type=event_type, payload="not an object"), event_type)
        agree(dict(envelope, event_type=event_type, aggregate_name="legacy", payload=payload), event_type)
    assert checked > 500


def test_result_objects_have_the_reference_attributes():
    r = rs.validate_event({"wp_id": 5}, "WPStatusChanged", strict=True)
    assert isinstance(r, rs.ConformanceResult)
    assert r.valid is False and r.schema_check_skipped is False and r.event_type == "WPStatusChanged"
    assert isinstance(r.model_violations, tuple) and isinstance(r.schema_violations, tuple)
    mv = next(v for v in r.model_violations if v.field == "wp_id")
    assert isinstance(mv, rs.ModelViolation)
    assert (mv.violation_type, mv.input_value) == ("string_type", 5)
    missing = next(v for v in r.model_violations if v.violation_type == "missing")
    assert missing.input_value == {"wp_id": 5}
    sv = next(v for v in r.schema_violations if v.json_path == "$.wp_id")
    assert isinstance(sv, rs.SchemaViolation)
    assert (sv.validator, sv.validator_value, sv.schema_path) == ("type", "string", ("properties", "wp_id", "type"))
    ref = ref_validate({"wp_id": 5}, "WPStatusChanged")
    ref_mv = next(v for v in ref.model_violations if v.field == "wp_id")
    assert (mv.field, mv.violation_type, mv.input_value) == (ref_mv.field, ref_mv.violation_type, ref_mv.input_value)
    assert r == rs.validate_event({"wp_id": 5}, "WPStatusChanged")
    assert "ConformanceResult(valid=False" in repr(r)
    ok = rs.validate_event(valid_samples()["WPStatusChanged"][0], "WPStatusChanged")
    assert ok.valid and ok.model_violations == () and ok.schema_violations == ()


def test_cutover_violation_reports_the_envelope():
    env = dict(valid_samples()["Event"][0], schema_version="2.0.0")
    ours = rs.validate_event(env, "Event")
    ref = ref_validate(env, "Event")
    o = [v for v in ours.model_violations if v.violation_type == "cutover_policy"]
    r = [v for v in ref.model_violations if v.violation_type == "cutover_policy"]
    assert len(o) == len(r) == 1
    assert o[0].field == r[0].field == "schema_version"
    assert o[0].input_value == r[0].input_value == env


def test_unknown_event_types_raise_value_error():
    for name in ("Nope", "", "wpstatuschanged", "LaneMapping"):
        with pytest.raises(ValueError) as ours:
            rs.validate_event({}, name)
        with pytest.raises(ValueError) as ref:
            ref_validate({}, name)
        assert str(ours.value) == str(ref.value)
    with pytest.raises(TypeError):
        rs.validate_event({}, 5)
