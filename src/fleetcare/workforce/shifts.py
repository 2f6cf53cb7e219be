"""Shifts and job windows: pure time arithmetic, no database.

A shift is written ``"HH:MM-HH:MM"`` (start before end, within one day). The dispatch window of
a job on day D is the interval in which the job may *start*:

    lower = max(D + earliest shift start of the region's technicians that day, now)
    upper = min(reported_at + response target, D + latest shift end)

When ``upper < lower`` (the response target has passed, or passes before the day's work
starts), or there is no response target, the job may start any time in
``[lower, D + latest shift end]``: late work is still work. A day with nobody on shift has
no window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from fleetcare.core.i18n import _

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
SHIFT_PATTERN = r"^\d\d:\d\d-\d\d:\d\d$"
_HHMM = re.compile(r"^(\d\d):(\d\d)$")


@dataclass(frozen=True)
class Shift:
    """A working interval within one day."""

    start: time
    end: time

    def on(self, day: date) -> tuple[datetime, datetime]:
        """The shift as moments of ``day``."""
        return datetime.combine(day, self.start), datetime.combine(day, self.end)

    def text(self) -> str:
        """``"HH:MM-HH:MM"``."""
        return f"{hhmm(self.start)}-{hhmm(self.end)}"


def parse_time(text: str) -> time:
    """``"HH:MM"`` as a time; ValueError naming the problem."""
    found = _HHMM.match(text.strip())
    if found is None:
        raise ValueError(_("'{text}' is not a time HH:MM").format(text=text))
    hours, minutes = int(found.group(1)), int(found.group(2))
    if hours > 23 or minutes > 59:
        raise ValueError(_("'{text}' is not a time of day").format(text=text))
    return time(hours, minutes)


def hhmm(moment: time | datetime) -> str:
    """A time as ``"HH:MM"``."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def parse_shift(text: str) -> Shift:
    """``"08:00-17:00"`` as a Shift; ValueError when malformed or ending before it starts."""
    start_text, _sep, end_text = text.partition("-")
    start, end = parse_time(start_text), parse_time(end_text)
    if end <= start:
        raise ValueError(_("the shift ends before it starts"))
    return Shift(start, end)


def weekday_field(day: date) -> str:
    """The technician field holding ``day``'s shift (``mon`` … ``sun``)."""
    return WEEKDAYS[day.weekday()]


def window(
    day: date,
    shifts: list[Shift],
    reported_at: datetime,
    response_hours: float | None,
    now: datetime,
) -> tuple[datetime, datetime] | None:
    """The start window of a job on ``day`` (see the module's rule); None when nobody works."""
    if not shifts:
        return None
    day_start = datetime.combine(day, min(s.start for s in shifts))
    day_end = datetime.combine(day, max(s.end for s in shifts))
    lower = max(day_start, now)
    if lower >= day_end:
        return None
    upper = day_end
    if response_hours is not None:
        due = reported_at + timedelta(hours=response_hours)
        if due >= lower:
            upper = min(due, day_end)
    return lower, upper
