"""Exceptions raised by spec_kitty_events_rs."""

from __future__ import annotations

from typing import Any, Dict, List, Sequence


class EventValidationError(ValueError):
    """An envelope does not satisfy the event contract.

    ``errors()`` lists one dict per problem, in the shape of pydantic's
    ``ValidationError.errors()``: ``loc`` (a tuple of keys and indices), ``type`` (the
    pydantic error type), ``msg`` and, where known, ``input``.
    """

    def __init__(self, message: str, errors: Sequence[Dict[str, Any]] = ()) -> None:
        super().__init__(message)
        self._errors = [dict(e) for e in errors]

    def errors(self) -> List[Dict[str, Any]]:
        """Every problem found, as a fresh list of dicts."""
        return [dict(e) for e in self._errors]


class ReducerError(ValueError):
    """A reducer refused the event stream where the reference reducer raises.

    ``event_id`` names the event at which it refused (empty when unknown).
    """

    event_id: str = ""

    def __init__(self, message: str, event_id: str = "") -> None:
        super().__init__(message)
        self.event_id = event_id
