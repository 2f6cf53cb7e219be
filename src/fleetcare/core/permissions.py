"""Who may do what: roles, permissions, and the one table that joins them.

Every route declares the permission it needs where it is declared (``rule(...)`` in
``core.auth``); the matrix test walks every route with every role against ``POLICY``.
What a principal may *see* is narrowed further by its scope: a customer user sees its own
customer's machines, a regional manager its regions.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    """The people who use fleetcare."""

    admin = "admin"
    planner = "planner"  # after-sales parts planner
    dispatcher = "dispatcher"
    regional_manager = "regional_manager"  # bound to one or more regions
    technician = "technician"
    customer = "customer"  # bound to one customer


class Permission(enum.StrEnum):
    """An action on a kind of data."""

    fleet_read = "fleet.read"  # the installed base, within the principal's scope
    fleet_write = "fleet.write"  # sites, customers, deliveries, units
    catalog_write = "catalog.write"  # regions and product models
    usage_write = "usage.write"  # meter readings
    fleet_export = "fleet.export"
    parts_read = "parts.read"  # catalogue, network, stock, ledger, proposals
    parts_write = "parts.write"  # catalogue, BOMs, locations, lanes, targets
    stock_move = "stock.move"  # receipts, issues, transfers, counts, accepting proposals
    stock_reserve = "stock.reserve"  # reserve, release, issue for a work order
    service_read = "service.read"  # defects, work orders, availability (within scope)
    service_report = "service.report"  # report a defect (customers: on their own units)
    service_write = "service.write"  # open work orders, close defects
    service_transition = "service.transition"  # move a work order through its states
    warranty_decide = "warranty.decide"  # confirm or override a warranty decision
    dispatch_solve = "dispatch.solve"  # crews and routes for a day's jobs (computes only)
    workforce_read = "workforce.read"  # technicians, training, grants (within scope)
    workforce_write = "workforce.write"  # technicians, days off, assignments
    training_write = "training.write"  # courses, training sessions, attendees and results
    certify = "workforce.certify"  # grant a level of the certification ladder
    dispatch_plan = "dispatch.plan"  # build a region's dispatch problem, publish a plan
    deals_read = "deals.read"  # deals (a customer: its own)
    deals_write = "deals.write"  # create, change and move deals, ship them
    trade_read = "trade.read"  # trade figures and targets (within scope), exchange rates
    trade_write = "trade.write"  # trade figures and targets of the principal's regions
    dashboard_read = "dashboard.read"  # the regional cooperation dashboard and report
    analytics_read = "analytics.read"  # reliability fits, early warnings (within scope)
    users_manage = "users.manage"
    audit_read = "audit.read"


_EVERYONE = {Permission.fleet_read, Permission.fleet_export}
_STAFF = _EVERYONE | {
    Permission.parts_read,
    Permission.service_read,
    Permission.workforce_read,
}
_REPORT = {Permission.service_read, Permission.service_report}
_DISPATCH = {Permission.workforce_write, Permission.dispatch_plan, Permission.dispatch_solve}
_TRAIN = {Permission.training_write, Permission.certify}
_COOP_READ = {Permission.deals_read, Permission.trade_read, Permission.dashboard_read}
_COOP_WRITE = _COOP_READ | {Permission.deals_write, Permission.trade_write}
POLICY: dict[Role, frozenset[Permission]] = {
    Role.admin: frozenset(Permission),
    Role.planner: frozenset(
        _STAFF
        | _COOP_READ
        | {Permission.parts_write, Permission.stock_move, Permission.analytics_read}
    ),
    Role.dispatcher: frozenset(
        _STAFF
        | _REPORT
        | {
            Permission.usage_write,
            Permission.stock_move,
            Permission.stock_reserve,
            Permission.service_write,
            Permission.service_transition,
            Permission.warranty_decide,
        }
        | _DISPATCH
        | _COOP_READ
    ),
    Role.regional_manager: frozenset(
        _STAFF
        | _REPORT
        | _DISPATCH
        | _TRAIN
        | _COOP_WRITE
        | {Permission.fleet_write, Permission.usage_write, Permission.analytics_read}
    ),
    Role.technician: frozenset(
        _STAFF
        | _REPORT
        | {Permission.usage_write, Permission.stock_reserve, Permission.service_transition}
    ),
    Role.customer: frozenset(
        _EVERYONE
        | _REPORT
        | {Permission.usage_write, Permission.workforce_read, Permission.deals_read}
    ),
}


@dataclass(frozen=True)
class Scope:
    """The rows a principal may see: everything, one customer's, or some regions'."""

    customer_id: int | None = None
    region_ids: frozenset[int] | None = None

    @property
    def everything(self) -> bool:
        """True when nothing is hidden."""
        return self.customer_id is None and self.region_ids is None


EVERYTHING = Scope()


@dataclass(frozen=True)
class Principal:
    """The person (or command) acting: name, role, and what that role is bound to."""

    username: str
    role: Role
    user_id: int | None = None
    customer_id: int | None = None
    region_ids: frozenset[int] = frozenset()
    token_version: int = 0  # the account's; tokens and sessions of another version are void

    def can(self, permission: Permission) -> bool:
        """True when the role grants ``permission``."""
        return permission in POLICY[self.role]

    @property
    def scope(self) -> Scope:
        """What this principal may see."""
        if self.role is Role.customer:
            return Scope(customer_id=self.customer_id if self.customer_id is not None else -1)
        if self.role is Role.regional_manager:
            return Scope(region_ids=self.region_ids)
        return EVERYTHING


def system(name: str = "cli") -> Principal:
    """The principal of a command run on the server itself (an operator with database access)."""
    return Principal(username=name, role=Role.admin)
