"""Accounts: creating and disabling users, signing in with throttling, reading the audit log
(``audit_log``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from fleetcare.accounts import throttle
from fleetcare.accounts.audit_log import AuditFilter as AuditFilter
from fleetcare.accounts.audit_log import list_audit as list_audit
from fleetcare.accounts.models import User, UserRegion
from fleetcare.accounts.schemas import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    RoleChange,
    UserCreate,
    UserRead,
)
from fleetcare.core import audit
from fleetcare.core.clock import utcnow
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Principal, Role
from fleetcare.core.query import AnySelect
from fleetcare.core.security import hash_password, verify_password
from fleetcare.fleet.models import Customer, Region


def user_read(user: User) -> UserRead:
    """The public view of ``user``."""
    return UserRead(
        id=user.id,
        username=user.username,
        role=user.role,
        customer=user.customer.code if user.customer else None,
        regions=[r.name for r in user.regions],
        active=user.active,
    )


def _get(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(_("user '{name}' not found").format(name=username))
    return user


def add_user(
    session: Session, new: UserCreate, *, by: Principal, password_hash: str | None = None
) -> UserRead:
    """Create an account; a customer user needs a customer, a regional manager its regions."""
    errors: list[FieldError] = []
    if session.scalar(select(User.id).where(User.username == new.username)) is not None:
        errors.append(
            FieldError("username", _("username '{name}' is taken").format(name=new.username))
        )
    customer, regions = _binding(session, new, errors)
    user = User(
        username=new.username,
        password_hash=password_hash or hash_password(new.password),
        role=new.role,
        customer=customer,
        regions=regions,
        active=True,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    result = user_read(user)
    audit.record(
        session, actor=by.username, action="create", entity="users", key=new.username, after=result
    )
    return result


def _binding(
    session: Session, wanted: UserCreate | RoleChange, errors: list[FieldError]
) -> tuple[Customer | None, list[Region]]:
    """The customer or regions ``wanted.role`` binds to; raises with ``errors`` and its own."""
    customer = None
    if wanted.role is Role.customer:
        customer = session.scalars(
            select(Customer).where(Customer.code == (wanted.customer or ""))
        ).first()
        if customer is None:
            errors.append(FieldError("customer", _("a customer user needs a known customer code")))
    elif wanted.customer:
        errors.append(FieldError("customer", _("only customer users are bound to a customer")))
    regions = list(session.scalars(select(Region).where(Region.name.in_(wanted.regions))))
    if wanted.role is Role.regional_manager:
        missing = sorted(set(wanted.regions) - {r.name for r in regions})
        if not wanted.regions or missing:
            message = _("a regional manager needs known regions; unknown: {names}").format(
                names=", ".join(missing) or "-"
            )
            errors.append(FieldError("regions", message))
    elif wanted.regions:
        errors.append(FieldError("regions", _("only regional managers are bound to regions")))
    if errors:
        raise InvalidInput(errors)
    return customer, regions


def _keep_an_admin(session: Session, user: User, field: str) -> None:
    """Refuse (422 on ``field``) a change that would leave no active admin: the admins' rows
    are locked first, so two admins cannot disable each other at the same moment."""
    admins = session.scalars(
        select(User.username)
        .where(User.role == Role.admin, User.active.is_(True))
        .order_by(User.id)
        .with_for_update()
    ).all()
    if admins == [user.username]:
        message = _("'{name}' is the last active admin: make another admin first")
        raise InvalidInput([FieldError(field, message.format(name=user.username))])


def set_role(session: Session, username: str, change: RoleChange, *, by: Principal) -> UserRead:
    """Give an account another role (and binding); its tokens and sessions end. The last
    active admin keeps its role."""
    user = _get(session, username)
    if user.role is Role.admin and change.role is not Role.admin:
        _keep_an_admin(session, user, "role")
    customer, regions = _binding(session, change, [])
    before = user_read(user)
    user.role, user.customer, user.regions = change.role, customer, regions
    _revoke(user)
    after = user_read(user)
    audit.record(
        session,
        actor=by.username,
        action="set_role",
        entity="users",
        key=username,
        before=before,
        after=after,
    )
    return after


def list_users(session: Session) -> list[UserRead]:
    """Every account, by name."""
    statement = select(User).options(selectinload(User.regions), selectinload(User.customer))
    return [user_read(u) for u in session.scalars(statement.order_by(User.username))]


def disable_user(session: Session, username: str, *, by: Principal) -> UserRead:
    """Stop an account from signing in; its tokens and sessions stop working at once. The
    last active admin stays; an account disabled already is left as it is (no audit row)."""
    user = _get(session, username)
    if not user.active:
        return user_read(user)
    if user.role is Role.admin:
        _keep_an_admin(session, user, "username")
    before = user_read(user)
    user.active = False
    _revoke(user)
    after = user_read(user)
    audit.record(
        session,
        actor=by.username,
        action="disable",
        entity="users",
        key=username,
        before=before,
        after=after,
    )
    return after


def set_password(session: Session, username: str, password: str, *, by: Principal) -> None:
    """Replace an account's password (8 to 256 characters, as an account is created with and
    sign-in accepts)."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        message = _("from {least} to {most} characters").format(
            least=MIN_PASSWORD, most=MAX_PASSWORD
        )
        raise InvalidInput([FieldError("password", message)])
    user = _get(session, username)
    user.password_hash = hash_password(password)
    _revoke(user)
    audit.record(session, actor=by.username, action="password", entity="users", key=username)


@cache
def _principal_statement() -> AnySelect:
    """An active account's columns with each of its regions (none: one row, region None), one
    round trip; built once, the name a bound parameter (it runs on every request)."""
    return (
        select(User.id, User.role, User.customer_id, User.token_version, UserRegion.region_id)
        .outerjoin(UserRegion, UserRegion.user_id == User.id)
        .where(User.username == bindparam("username"), User.active)
    )


def principal_for(session: Session, username: str, version: int | None = None) -> Principal | None:
    """The principal of an active account, or None.

    With ``version`` (a token's or a session's), None also when the account's token version
    has moved on since: the token or session was revoked.
    """
    rows = session.execute(_principal_statement(), {"username": username}).all()
    if not rows or (version is not None and version != rows[0].token_version):
        return None
    first = rows[0]
    return Principal(
        username=username,
        role=first.role,
        user_id=first.id,
        customer_id=first.customer_id,
        region_ids=frozenset(row.region_id for row in rows if row.region_id is not None),
        token_version=first.token_version,
    )


def _revoke(user: User) -> None:
    """End every token and session ``user`` holds (they carry the old version)."""
    user.token_version += 1


def sign_out(session: Session, username: str, *, by: Principal) -> None:
    """End every token and session of ``username`` issued so far; audited."""
    user = _get(session, username)
    _revoke(user)
    audit.record(session, actor=by.username, action="sign_out", entity="users", key=username)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: a principal, or why not (and for how long to wait)."""

    principal: Principal | None
    retry_after_seconds: int = 0


def sign_in(
    session: Session, username: str, password: str, address: str, now: datetime | None = None
) -> SignIn:
    """Check a password, slowing down repeated failures (the rule: ``accounts.throttle``).

    Taking the turn, checking the wait, checking the password and counting the outcome are one
    step: concurrent attempts sharing a counter run one after another (see ``take_turn``). The
    counters are written in the caller's transaction, which must commit even when the sign-in
    fails (the caller returns an error response rather than raising).
    """
    keys = throttle.Keys.of(username, address)
    throttle.take_turn(session, keys)
    # dated after the turn: an attempt that queued behind others must not read their failures
    # as later than itself (a free attempt would then be told to wait a second)
    now = now or utcnow()
    wait = throttle.wait_seconds(session, keys, now)
    if wait > 0:
        return SignIn(None, retry_after_seconds=wait)
    user = session.scalars(select(User).where(User.username == username)).first()
    ok = (
        verify_password(user.password_hash if user else None, password)
        and user is not None
        and user.active
    )
    attempt = {"address": address[:150]}
    if ok:
        throttle.count_success(session, keys)
        audit.record(
            session, actor=username, action="sign_in", entity="users", key=username, after=attempt
        )
        return SignIn(principal_for(session, username))
    throttle.count_failure(session, keys, now)
    audit.record(
        session,
        actor=username[:80],
        action="sign_in_failed",
        entity="users",
        key=username,
        after=attempt,
    )
    return SignIn(None)
