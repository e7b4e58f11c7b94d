"""The Spec Kitty event contract in Rust, called the way the reference is called.

A drop-in for the hot paths of ``spec_kitty_events`` 4.0.0::

    from spec_kitty_events_rs import validate_event     # was: spec_kitty_events.conformance
    result = validate_event(payload, "WPStatusChanged")

See the type stubs (``__init__.pyi``) for every function and result type.
"""

from ._errors import EventValidationError, ReducerError
from ._native import (
    CONTRACT_VERSION,
    REDUCERS,
    ConformanceResult,
    ModelViolation,
    SchemaViolation,
    __version__,
    parse_event,
    reduce,
    replay_jsonl,
    validate_event,
    validate_jsonl,
)

__all__ = [
    "CONTRACT_VERSION",
    "REDUCERS",
    "ConformanceResult",
    "EventValidationError",
    "ModelViolation",
    "ReducerError",
    "SchemaViolation",
    "__version__",
    "parse_event",
    "reduce",
    "replay_jsonl",
    "validate_event",
    "validate_jsonl",
]
