"""Small dispatch problems for the tests."""

from __future__ import annotations

from typing import Any


def person(
    tid: str,
    home: list[float],
    certified: list[str] | None = None,
    trainee: list[str] | None = None,
    shift: tuple[str, str] = ("08:00", "18:00"),
) -> dict[str, Any]:
    """A technician."""
    found: dict[str, Any] = {"id": tid, "home": home, "shift": list(shift)}
    found["certified"] = certified or []
    if trainee:
        found["trainee"] = trainee
    return found


def job(
    jid: str,
    at: list[float],
    family: str,
    window: tuple[str, str] = ("08:00", "16:00"),
    minutes: float = 60,
) -> dict[str, Any]:
    """A job."""
    return {"id": jid, "at": at, "window": list(window), "minutes": minutes, "family": family}


def problem(technicians: list[dict[str, Any]], jobs: list[dict[str, Any]]) -> dict[str, Any]:
    """A problem document for 2026-12-07 at 60 km/h and road factor 1.3."""
    return {
        "format": "fleetcare-dispatch/1",
        "date": "2026-12-07",
        "speed_kmh": 60,
        "road_factor": 1.3,
        "technicians": technicians,
        "jobs": jobs,
    }


TOWN = [68.97, 33.08]  # Murmansk
NEAR = [68.95, 33.10]  # 2.4 km from TOWN
FAR = [67.60, 33.40]  # ~150 km south
