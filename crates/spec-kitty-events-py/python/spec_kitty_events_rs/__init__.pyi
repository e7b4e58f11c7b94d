"""Type stubs of spec_kitty_events_rs."""

import os
from typing import Any, Dict, Final, Iterable, List, Literal, Mapping, Optional, Sequence, Tuple, TypedDict, Union

__version__: Final[str]
CONTRACT_VERSION: Final[str]
"""The contract version implemented: ``"4.0.0"``."""
REDUCERS: Final[List[str]]
"""The reducer names ``reduce`` and ``replay_jsonl`` accept, as the CLI spells them."""

ReducerName = Literal[
    "status",
    "lifecycle",
    "collaboration",
    "glossary",
    "mission-next",
    "dossier",
    "mission-audit",
    "decision-point",
    "connector",
    "sync",
]

JsonText = Union[str, bytes]
Source = Union[str, bytes, "os.PathLike[str]"]

class ModelViolation:
    """A violation found by the model layer (or the cutover check)."""

    @property
    def field(self) -> str:
        """The location, its steps joined with ``.`` as the reference joins pydantic's ``loc``."""
    @property
    def message(self) -> str: ...
    @property
    def violation_type(self) -> str:
        """The pydantic error type (``missing``, ``string_too_short``, ``cutover_policy``, …)."""
    @property
    def input_value(self) -> object: ...
    def __eq__(self, other: object) -> bool: ...

class SchemaViolation:
    """A violation found by the JSON Schema layer."""

    @property
    def json_path(self) -> str:
        """The instance location as ``jsonschema`` writes it (``$``, ``$.wp_id``, ``$.items[0]``)."""
    @property
    def message(self) -> str: ...
    @property
    def validator(self) -> str:
        """The failing keyword (``required``, ``enum``, ``type``, …)."""
    @property
    def validator_value(self) -> object:
        """The keyword's value in the schema."""
    @property
    def schema_path(self) -> Tuple[Union[str, int], ...]:
        """The keyword's location in the schema as evaluated (``$ref`` steps included)."""
    def __eq__(self, other: object) -> bool: ...

class ConformanceResult:
    """The verdict of :func:`validate_event`, attribute for attribute the reference's."""

    @property
    def valid(self) -> bool: ...
    @property
    def model_violations(self) -> Tuple[ModelViolation, ...]: ...
    @property
    def schema_violations(self) -> Tuple[SchemaViolation, ...]: ...
    @property
    def schema_check_skipped(self) -> bool:
        """Always ``False``: the schema layer always runs."""
    @property
    def event_type(self) -> str: ...
    def __eq__(self, other: object) -> bool: ...

class ErrorDetails(TypedDict, total=False):
    loc: Tuple[Union[str, int], ...]
    type: str
    msg: str
    input: Any

class EventValidationError(ValueError):
    """An envelope does not satisfy the event contract."""

    def __init__(self, message: str, errors: Sequence[Mapping[str, Any]] = ...) -> None: ...
    def errors(self) -> List[ErrorDetails]:
        """One dict per problem: ``loc``, ``type``, ``msg`` (and ``input`` where known)."""

class ReducerError(ValueError):
    """A reducer refused the stream where the reference reducer raises."""

    event_id: str
    def __init__(self, message: str, event_id: str = ...) -> None: ...

class ViolationDict(TypedDict):
    layer: Literal["envelope", "cutover", "model", "schema"]
    path: str
    kind: str
    message: str

class RecordResult(TypedDict):
    file: str
    line: int
    event_type: Optional[str]
    valid: bool
    violations: List[ViolationDict]

class RejectedRecord(TypedDict):
    file: str
    line: int
    violations: List[ViolationDict]

class ReplayResult(TypedDict):
    state: Dict[str, Any]
    events: int
    rejected: List[RejectedRecord]

def validate_event(
    payload: Union[Mapping[str, Any], JsonText],
    event_type: str,
    *,
    strict: bool = False,
) -> ConformanceResult:
    """Validate a payload, or a full envelope of ``event_type``, against its contract.

    Same semantics as ``spec_kitty_events.conformance.validate_event``: the model layer
    and the JSON Schema layer both run; an envelope (an object whose ``payload`` is an
    object and whose ``event_type`` is the requested one) is also checked against the
    cutover policy. ``payload`` is a ``dict`` or JSON text of an object.

    Raises ``ValueError`` for an unknown event type or broken JSON text, ``TypeError``
    for a payload that is not an object or holds a value JSON cannot.
    """

def parse_event(obj: Union[Mapping[str, Any], JsonText, Any]) -> Dict[str, Any]:
    """Validate one envelope and return it as the reference's
    ``Event.model_validate(obj).model_dump(mode="json")`` renders it.

    ``obj`` is a ``dict``, JSON text, or a model with ``model_dump`` (the reference's
    ``Event``). Raises :class:`EventValidationError` when it is not a valid envelope.
    """

def reduce(
    reducer: ReducerName,
    events: Iterable[Union[Mapping[str, Any], JsonText, Any]],
    *,
    mode: Optional[Literal["strict", "permissive"]] = None,
    roster: Optional[Mapping[str, Any]] = None,
) -> Dict[str, Any]:
    """Reduce envelopes with the named reducer; returns the state as the reference's
    ``reduce_…(events).model_dump(mode="json")`` renders it.

    ``events``: envelope dicts, JSON texts, or the reference's ``Event`` models (or any
    model with ``model_dump``). ``mode`` applies to ``collaboration`` and ``glossary``,
    ``roster`` (participant id → identity dict or model) to ``collaboration``.

    Raises :class:`EventValidationError` for an invalid envelope, :class:`ReducerError`
    where the reference reducer raises.
    """

def validate_jsonl(source: Source, *, event_type: Optional[str] = None) -> List[RecordResult]:
    """Check every record of a log (JSON Lines, a JSON array, or one JSON object) as
    ``spec-kitty-events validate --format json`` does; one result per record, in order.

    ``source`` is a path (``os.PathLike``), or the log's content as ``bytes`` or ``str``
    (then ``file`` is ``"-"``). Runs on every core with the GIL released.
    """

def replay_jsonl(
    reducer: ReducerName,
    source: Source,
    *,
    mode: Optional[Literal["strict", "permissive"]] = None,
    roster: Optional[Mapping[str, Any]] = None,
) -> ReplayResult:
    """Read every record of a log as an envelope, reduce the valid ones, and return
    ``{"state": …, "events": n, "rejected": [...]}``.

    ``source`` as for :func:`validate_jsonl`. Runs on every core with the GIL released.
    Raises :class:`ReducerError` where the reference reducer raises.
    """
