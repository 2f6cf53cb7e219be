"""Which depot serves each site: the one the site names, else its region's nearest.

A site's ``depot`` (checked on every write to be a depot location of the site's region) is
the depot its machines are counted at — a mine's own store, say, beside the regional depot.
A site that names none is served by the nearest depot of its region by great-circle
distance (``parts.geo``; equally near depots: the first by code). Sites and locations always
carry coordinates (both columns are required), so the nearest depot is always defined; a
region without any depot serves none of its sites. A named depot that has since stopped
being a depot of the site's region is passed over for the nearest one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.fleet.models import Site
from fleetcare.parts.geo import nearest
from fleetcare.parts.models import Location, LocationKind


def serving_depots(session: Session, region_ids: Collection[int] | None = None) -> dict[int, int]:
    """Location id of the depot that serves each site (of ``region_ids``, or every region),
    by site id; sites of a region without a depot are absent."""
    depots = session.execute(
        select(Location.id, Location.region_id, Location.latitude, Location.longitude)
        .where(Location.kind == LocationKind.depot, Location.region_id.is_not(None))
        .order_by(Location.code)
    ).all()
    by_region: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
    for location_id, region_id, latitude, longitude in depots:
        if region_id is not None:  # the query leaves none out; this tells the type checker
            by_region[region_id].append((location_id, latitude, longitude))
    region_of = {location_id: region_id for location_id, region_id, _lat, _lon in depots}
    sites = select(Site.id, Site.region_id, Site.latitude, Site.longitude, Site.depot_id)
    if region_ids is not None:
        sites = sites.where(Site.region_id.in_(sorted(region_ids)))
    served: dict[int, int] = {}
    for site_id, region_id, latitude, longitude, depot_id in session.execute(sites):
        if depot_id is not None and region_of.get(depot_id) == region_id:
            served[site_id] = depot_id
            continue
        candidates = by_region.get(region_id, [])
        index = nearest(latitude, longitude, [(lat, lon) for _id, lat, lon in candidates])
        if index is not None:
            served[site_id] = candidates[index][0]
    return served
