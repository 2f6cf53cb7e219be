"""Settings read from the environment (prefix ``FLEETCARE_``), one object for the whole app.

``FLEETCARE_DATABASE_URL``  SQLAlchemy URL; default: SQLite file ``<var_dir>/fleetcare.db``.
``FLEETCARE_VAR_DIR``       where the embedded database and generated files live; default ``./var``.
``FLEETCARE_SECRET_KEY``    signs tokens and session cookies (≥ 32 bytes); default: generated
                            into the var dir.
``FLEETCARE_TOKEN_MINUTES`` how long a bearer token lives; default 60.
``FLEETCARE_HTTPS``         1 when served over HTTPS (required in production): cookies are
                            marked Secure and browsers told to use HTTPS only (HSTS).
``FLEETCARE_TRUSTED_PROXIES`` comma-separated addresses or networks of the reverse proxies whose
                            ``X-Forwarded-For`` names the client; default: none (ignore it).
``FLEETCARE_MAX_PLAN_CELLS`` part-locations (parts × locations) one planning request may name
                            over REST; default 200,000 (``fleetcare plan`` has no cap).
``FLEETCARE_HEAVY_WORKERS`` threads that run planning and simulation for requests, per process;
                            default 2.
``FLEETCARE_HEAVY_QUEUE``   heavy jobs that may wait for those threads, per process; default 8
                            (beyond it: 503 with Retry-After).
``FLEETCARE_WORKERS``       server processes sharing the database; ``fleetcare serve --workers``
                            sets it for its processes; default 1. Sizes each process's pool.
``FLEETCARE_DB_MAX_CONNECTIONS`` the PostgreSQL server's ``max_connections``, which the pools of
                            all processes must fit in (``core.pool``); default 100.
``FLEETCARE_TELEMETRY``     1 to report every request to OpenTelemetry through the providers the
                            process has set up (FastAPI's native telemetry); default 0: off, and
                            not looked up on each request.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Network = IPv4Network | IPv6Network


def normalise_database_url(url: str) -> str:
    """Map the URL spellings people paste to the driver fleetcare ships (psycopg 3)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``FLEETCARE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="FLEETCARE_", extra="ignore")

    var_dir: Path = Path("var")
    database_url: str = ""
    default_locale: str = "en"
    secret_key: str = ""
    max_body_bytes: int = 1_048_576
    # Defect photos (service.photos): bytes per photo and photos per report; the portal's report
    # may be that large (plus its form fields) whatever max_body_bytes says.
    max_photo_bytes: int = Field(default=2 * 1024 * 1024, ge=1, le=100 * 1024 * 1024)
    max_photos: int = Field(default=3, ge=0, le=20)
    max_concurrent_writes: int = 8  # writing requests let in at once (see web.admission)
    body_seconds: float = Field(default=30.0, gt=0, le=3600)  # a request body must arrive by then
    https: bool = False  # served over HTTPS (required in production): Secure cookies, HSTS
    token_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)  # bearer tokens' lifetime
    # Peers whose X-Forwarded-For is believed (accounts.addresses); empty: believe no one.
    trusted_proxies: Annotated[tuple[Network, ...], NoDecode] = ()
    # Heavy work (core.heavy): what one planning request may name, and the pool that runs it.
    max_plan_cells: int = Field(default=200_000, ge=1, le=100_000_000)
    heavy_workers: int = Field(default=2, ge=1, le=64)
    heavy_queue: int = Field(default=8, ge=0, le=1000)
    # Server processes (fleetcare serve --workers) and the connections their pools must fit in.
    workers: int = Field(default=1, ge=1, le=256)
    db_max_connections: int = Field(default=100, ge=24, le=100_000)
    # FastAPI's native OpenTelemetry (traces, metrics, logs of every request) through the
    # process's global providers; off, no request looks them up.
    telemetry: bool = False
    # The certification ladder (workforce.ladder): supervised jobs a trainee needs for certified.
    ladder_supervised_jobs: int = Field(default=10, ge=0, le=1000)

    @field_validator("database_url")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return normalise_database_url(value.strip())

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        """``"10.0.0.0/8, 192.0.2.7"`` → networks; anything else malformed stops the start."""
        if not isinstance(value, str):
            return value
        networks = []
        for item in filter(None, (part.strip() for part in value.split(","))):
            try:
                networks.append(ip_network(item, strict=False))
            except ValueError:
                message = f"FLEETCARE_TRUSTED_PROXIES: {item!r} is not an IP address or network"
                raise ValueError(message) from None
        return tuple(networks)

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file under ``var_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'fleetcare.db').resolve()}"


def get_settings() -> Settings:
    """Read the settings now (not cached: tests and commands may change the environment)."""
    return Settings()
