"""Pydantic building blocks shared by every domain's records."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

# Printable text only: no control characters (PostgreSQL refuses NUL in text).
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"


def text(max_length: int, min_length: int = 1) -> type[str]:
    """A stripped, printable string type of bounded length."""
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(
            strip_whitespace=True,
            min_length=min_length,
            max_length=max_length,
            pattern=TEXT_PATTERN,
        ),
    ]


class StrictModel(BaseModel):
    """A record as files and bodies carry it: unknown fields, NaN and infinity are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)
