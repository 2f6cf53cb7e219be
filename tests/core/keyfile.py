"""Run in a fresh process by the key tests: only the key module is imported, so it starts fast."""

from __future__ import annotations

from pathlib import Path

from fleetcare.core.config import Settings
from fleetcare.core.security import secret_key


def key_of(var_dir: str) -> str:
    """The key a fresh process reads (or creates) in ``var_dir``."""
    return secret_key(Settings(var_dir=Path(var_dir), secret_key=""))
