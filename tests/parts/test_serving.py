"""Which depot serves a site: the one it names (checked), else its region's nearest; units
count there when the plan is built."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.bulk import Item
from fleetcare.core.permissions import Role
from fleetcare.core.security import issue_token
from fleetcare.fleet import schemas as fleet_schemas
from fleetcare.fleet import service as fleet
from fleetcare.fleet.models import Site, Unit
from fleetcare.parts import schemas
from fleetcare.parts.geo import great_circle_km
from fleetcare.parts.models import Location, LocationKind
from fleetcare.parts.service import serving_depots
from fleetcare.parts.tables import LOCATIONS
from fleetcare.planning.build import build_problem
from tests.conftest import TEST_SECRET
from tests.fleet.factories import BY
from tests.planning.factories import planned_network

# DEPOT-N (60.0, 30.0) comes with the planned network; North depot (the site) is at 68.9, 33.1.
MINE_STORE = (67.6, 33.7)  # a mine's own store, 150 km from North depot


def add_locations(session: Session) -> None:
    """A mine's store in the Arctic beside DEPOT-N, and a Baltic depot."""
    LOCATIONS.apply(
        session,
        [
            Item(
                schemas.LocationRecord(
                    code=c, name=c, kind=k, latitude=la, longitude=lo, parent="HUB", region=r
                )
            )
            for c, k, la, lo, r in (
                ("MINE-STORE", LocationKind.depot, *MINE_STORE, "Arctic"),
                ("DEPOT-B", LocationKind.depot, 54.7, 20.5, "Baltic"),
            )
        ],
    )
    session.commit()


def site_id(session: Session, name: str) -> int:
    found = session.scalar(select(Site.id).where(Site.name == name))
    assert found is not None
    return found


def codes(session: Session, served: dict[int, int]) -> dict[str, str]:
    names = dict(session.execute(select(Site.id, Site.name)).all())
    locations = dict(session.execute(select(Location.id, Location.code)).all())
    return {names[s]: locations[d] for s, d in sorted(served.items())}


def units_at(problem: dict[str, object]) -> list[tuple[str, int | None]]:
    return [(loc["id"], loc.get("units")) for loc in problem["locations"]]  # type: ignore[attr-defined, union-attr]


def test_the_nearest_depot_of_the_region_by_default(session: Session) -> None:
    """A site that names no depot is served by its region's nearest one (another region's
    nearer depot does not count); a region without a depot serves no site."""
    planned_network(session)
    assert codes(session, serving_depots(session)) == {"North depot": "DEPOT-N"}
    add_locations(session)
    served = codes(session, serving_depots(session))
    assert served == {"North depot": "MINE-STORE", "West depot": "DEPOT-B"}
    # the choice is the great-circle argmin over the region's depots
    site = session.get(Site, site_id(session, "North depot"))
    assert site is not None
    depots = session.scalars(
        select(Location).where(Location.region_id == site.region_id).order_by(Location.code)
    ).all()
    km = {
        d.code: float(great_circle_km(site.latitude, site.longitude, d.latitude, d.longitude))
        for d in depots
    }
    assert min(km, key=km.__getitem__) == "MINE-STORE"
    assert km["MINE-STORE"] < 200 < km["DEPOT-N"]
    # a site placed beside DEPOT-N is served by it
    fleet.create(
        session,
        fleet.SITES,
        by=BY,
        record=fleet_schemas.SiteRecord(
            name="South camp", region="Arctic", latitude=60.2, longitude=30.4
        ),
    )
    session.commit()
    assert codes(session, serving_depots(session))["South camp"] == "DEPOT-N"
    # a stored depot that no longer fits (moved to another region, or left behind by two
    # concurrent changes of one site) is passed over for the nearest
    baltic_depot = session.scalar(select(Location.id).where(Location.code == "DEPOT-B"))
    site.depot_id = baltic_depot
    session.commit()
    assert codes(session, serving_depots(session))["North depot"] == "MINE-STORE"
    site.depot_id = session.scalar(select(Location.id).where(Location.code == "DEPOT-N"))
    session.commit()
    assert codes(session, serving_depots(session))["North depot"] == "DEPOT-N"
    region = site.region_id
    assert set(codes(session, serving_depots(session, [region]))) == {"North depot", "South camp"}


def test_units_count_at_the_depot_that_serves_their_site(session: Session) -> None:
    """Two depots in one region: each counts the units of the sites it serves, and the
    demand splits in the same proportion (same model, same hours)."""
    planned_network(session)
    add_locations(session)
    # North depot names DEPOT-N although the mine's store is nearer; a new site at the mine
    # names nothing and so is served by the store; one of the three buses moves there.
    north = site_id(session, "North depot")
    fleet.update(session, fleet.SITES, north, fleet_schemas.SiteUpdate(depot="DEPOT-N"), by=BY)
    fleet.create(
        session,
        fleet.SITES,
        by=BY,
        record=fleet_schemas.SiteRecord(
            name="Mine", region="Arctic", latitude=MINE_STORE[0], longitude=MINE_STORE[1]
        ),
    )
    bus = session.scalars(select(Unit).where(Unit.serial == "BUS-003")).one()
    bus.site_id = site_id(session, "Mine")
    session.commit()
    problem = build_problem(session, region="Arctic")
    assert units_at(problem) == [("DEPOT-N", 2), ("HUB", None), ("MINE-STORE", 1), ("PLANT", None)]
    demand = problem["parts"][0]["demand_per_day"]  # type: ignore[index]
    assert demand["DEPOT-N"] == 2 * demand["MINE-STORE"]
    # with no depot named anywhere, every Arctic bus counts at the store, nearest to both sites
    fleet.update(session, fleet.SITES, north, fleet_schemas.SiteUpdate(depot=None), by=BY)
    session.commit()
    assert units_at(build_problem(session, region="Arctic")) == [
        ("HUB", None),
        ("MINE-STORE", 3),
        ("PLANT", None),
    ]
    # the whole network: the Baltic lift has no part fitted, so DEPOT-B carries no demand
    whole = build_problem(session)
    assert ("MINE-STORE", 3) in units_at(whole) and ("DEPOT-N", None) not in units_at(whole)


def test_import_refuses_a_depot_that_cannot_serve_the_site(
    session: Session, runner: CliRunner, cli_env: dict[str, str], data_dir: Path
) -> None:
    """Another region's depot, a hub and an unknown code are each reported FILE:ROW:FIELD,
    exit status 2, nothing written; a good file is written and exported as it was read."""
    planned_network(session)
    add_locations(session)
    bad = data_dir / "sites.csv"
    bad.write_text(
        "name,region,latitude,longitude,depot\n"
        "Mine,Arctic,67.6,33.7,DEPOT-B\n"
        "Pit,Arctic,67.0,33.0,HUB\n"
        "Quarry,Arctic,67.0,33.0,NOPE\n"
        "Camp,Arctic,67.0,33.0,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "sites", str(bad)], env=cli_env)
    assert result.exit_code == 2
    assert f"{bad}:4:depot: unknown depot 'NOPE'" in result.stderr, result.stderr
    session.expire_all()
    assert session.scalars(select(Site.name).order_by(Site.name)).all() == [
        "North depot",
        "West depot",
    ]
    # the two checks that need the location's row are reported once the codes are known
    known = data_dir / "known.csv"
    known.write_text(
        "name,region,latitude,longitude,depot\nMine,Arctic,67.6,33.7,DEPOT-B\nPit,Arctic,67.0,33.0,HUB\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "sites", str(known)], env=cli_env)
    assert result.exit_code == 2
    assert f"{known}:2:depot: depot 'DEPOT-B' is not in region 'Arctic'" in result.stderr
    assert f"{known}:3:depot: location 'HUB' is not a depot" in result.stderr
    good = data_dir / "good.csv"
    good.write_text(
        "name,region,latitude,longitude,depot\nMine,Arctic,67.6,33.7,MINE-STORE\nCamp,Arctic,67.0,33.0,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "sites", str(good), "--json"], env=cli_env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["created"] == 2
    exported = runner.invoke(app, ["export", "sites", "--format", "json"], env=cli_env)
    assert exported.exit_code == 0, exported.stderr
    rows = {row["name"]: row["depot"] for row in json.loads(exported.stdout)}
    assert rows == {"Camp": None, "Mine": "MINE-STORE", "North depot": None, "West depot": None}


def test_api_refuses_a_forged_depot(
    session: Session, client_for: Callable[..., TestClient]
) -> None:
    """REST: a regional manager cannot serve its site from another region's depot (422 naming
    ``depot``), cannot move a site away from its depot's region, cannot touch a foreign site
    (404); a depot of the site's region is accepted and read back."""
    planned_network(session)
    add_locations(session)
    arctic = client_for(Role.regional_manager, "arctic", regions=("Arctic",))
    north = site_id(session, "North depot")
    forged = arctic.patch(f"/api/sites/{north}", json={"depot": "DEPOT-B"})
    assert forged.status_code == 422, forged.text
    assert [item["loc"][-1] for item in forged.json()["detail"]] == ["depot"]
    nothing = arctic.patch(f"/api/sites/{north}", json={"depot": "NO-SUCH"})
    said = [forged.json()["detail"][0]["msg"], nothing.json()["detail"][0]["msg"]]
    assert said == ["unknown depot 'DEPOT-B'", "unknown depot 'NO-SUCH'"]  # nothing to probe
    created = arctic.post(
        "/api/sites",
        json={
            "name": "Mine",
            "region": "Arctic",
            "latitude": 67.6,
            "longitude": 33.7,
            "depot": "DEPOT-B",
        },
    )
    assert created.status_code == 422 and "Mine" not in session.scalars(select(Site.name)).all()
    ok = arctic.patch(f"/api/sites/{north}", json={"depot": "MINE-STORE"})
    assert ok.status_code == 200, ok.text
    assert arctic.get(f"/api/sites/{north}").json()["depot"] == "MINE-STORE"
    admin = client_for(Role.admin, "boss")
    moved = admin.patch(f"/api/sites/{north}", json={"region": "Baltic"})
    assert moved.status_code == 422 and [i["loc"][-1] for i in moved.json()["detail"]] == ["depot"]
    west = site_id(session, "West depot")
    assert arctic.patch(f"/api/sites/{west}", json={"depot": "MINE-STORE"}).status_code == 404
    oversized = arctic.patch(f"/api/sites/{north}", json={"depot": "D" * 10_000})
    assert oversized.status_code == 422
    cleared = arctic.patch(f"/api/sites/{north}", json={"depot": None})
    assert cleared.status_code == 200 and cleared.json()["depot"] is None


def test_concurrent_changes_never_leave_a_site_served_across_regions(
    live_server: str, session: Session, make_user: Callable[..., str]
) -> None:
    """Real parallel requests, half naming the mine's store as the site's depot and half moving
    the site to the Baltic: each answers 200 or 422 (never 500), and whatever is stored, the
    depot that serves the site is one of the site's own region."""
    planned_network(session)
    add_locations(session)
    north = site_id(session, "North depot")
    token = issue_token(make_user("boss", Role.admin), TEST_SECRET)
    requests = 12
    start = threading.Barrier(requests)

    def change(n: int) -> int:
        body = {"depot": "MINE-STORE"} if n % 2 else {"region": "Baltic"}
        with httpx.Client(
            base_url=live_server, timeout=60, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            start.wait()
            return http.patch(f"/api/sites/{north}", json=body).status_code

    with ThreadPoolExecutor(requests) as pool:
        answers = list(pool.map(change, range(requests)))
    assert set(answers) <= {200, 422} and 200 in answers
    session.expire_all()
    site = session.get(Site, north)
    assert site is not None
    depot = session.get(Location, serving_depots(session)[north])
    assert depot is not None and depot.region_id == site.region_id
