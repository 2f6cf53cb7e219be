"""Life data files: one unit a row, its ``age`` and whether it ``failed`` at that age.

A CSV with a header naming ``age`` and ``failed`` (other columns, such as a serial number, are
read past), or a JSON array of objects with those fields. ``age`` is a finite number ≥ 0 in
any time unit; ``failed`` is 1 (failed at that age) or 0 (still running at that age: right-
censored). A failure at age 0 is refused (the Weibull likelihood is degenerate there); a unit
still running at age 0 is accepted and adds nothing to the fit. Rows are numbered as
``core.tabular`` numbers them (the CSV's physical line; the JSON object's position).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from fleetcare.analytics.weibull import FloatArray
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.tabular import csv_header, read_rows

MAX_FILE_BYTES = 64 * 1024 * 1024  # a larger file is refused before it is read
COLUMNS = ("age", "failed")


def read_life_data(path: Path) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Ages and failed flags (bool) of every row; ``InvalidInput`` naming each bad row's
    field (``FILE:ROW:FIELD``) when any row, or the file, is wrong."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # read_rows names the problem
    if size > MAX_FILE_BYTES:
        message = _("the file holds {size:,} bytes; at most {limit:,} are read").format(
            size=size, limit=MAX_FILE_BYTES
        )
        raise InvalidInput([FieldError("-", message, 0, name)])
    rows, errors = read_rows(path)
    if errors:
        raise InvalidInput(errors)
    if path.suffix.lower() == ".csv":
        header = set(csv_header(path))
        missing = [FieldError(c, _("missing column"), 1, name) for c in COLUMNS if c not in header]
        if missing:
            raise InvalidInput(missing)
    ages = np.empty(len(rows))
    failed = np.empty(len(rows), dtype=bool)
    for index, (line, values) in enumerate(rows):
        age, flag = _age(values.get("age")), _flag(values.get("failed"))
        if isinstance(age, str):
            errors.append(FieldError("age", age, line, name))
        if isinstance(flag, str):
            errors.append(FieldError("failed", flag, line, name))
        if isinstance(age, float) and flag is True and age == 0:
            message = _(
                "a failure at age 0 makes the Weibull likelihood degenerate; give an age > 0"
            )
            errors.append(FieldError("age", message, line, name))
        if not errors:
            ages[index], failed[index] = age, flag
    if errors:
        raise InvalidInput(errors)
    return ages, failed


def _age(value: object) -> float | str:
    """The age, or the message saying why it is not one."""
    if value is None:
        return _("missing: the unit's age is needed")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return _("expected a number")
    try:
        age = float(value)
    except (ValueError, OverflowError):
        return _("expected a number")
    if not math.isfinite(age):
        return _("expected a finite number")
    if age < 0:
        return _("an age cannot be negative")
    return age


def _flag(value: object) -> bool | str:
    """True for 1, False for 0, else the message."""
    if isinstance(value, str):
        value = value.strip()
    if value in ("1", 1) and not isinstance(value, bool):
        return True
    if value in ("0", 0) and not isinstance(value, bool):
        return False
    if value is None:
        return _("missing: 1 (failed at that age) or 0 (still running) is needed")
    return _("expected 1 (failed at that age) or 0 (still running)")
