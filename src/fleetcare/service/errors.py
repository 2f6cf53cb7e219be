"""The service domain's refusal that is not bad input: a move the current state forbids."""

from __future__ import annotations


class Conflict(Exception):
    """The request is well formed but the record's state forbids it (an illegal transition, a
    second active work order, closing a closed defect): the API answers 409."""
