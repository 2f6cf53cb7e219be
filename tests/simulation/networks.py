"""The networks the simulation tests share."""

from __future__ import annotations

from typing import Any

# plant → hub → two depots, Poisson demand, deterministic lead times
NETWORK: dict[str, Any] = {
    "format": "fleetcare-plan/1",
    "locations": [
        {"id": "PLANT", "parent": None, "resupply_days": 40},
        {"id": "HUB", "parent": "PLANT", "resupply_days": 10},
        {"id": "A", "parent": "HUB", "resupply_days": 3, "units": 20},
        {"id": "B", "parent": "HUB", "resupply_days": 5, "units": 30},
    ],
    "parts": [
        {
            "id": "P1",
            "unit_cost": 100.0,
            "qty_per_unit": 1,
            "demand_per_day": {"A": 0.05, "B": 0.08},
        },
        {
            "id": "P2",
            "unit_cost": 40.0,
            "qty_per_unit": 2,
            "demand_per_day": {"A": 0.02, "B": 0.03},
        },
    ],
}
