"""Whose address a sign-in counts against: forwarding headers only from trusted proxies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from ipaddress import ip_network

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from fleetcare.accounts.addresses import bucket, client_address
from fleetcare.core.config import Settings
from fleetcare.core.permissions import Role
from fleetcare.web.app import create_app
from tests.conftest import TEST_PASSWORD

PROXIES = (ip_network("10.0.0.0/8"), ip_network("fd00::/8"))


def test_forwarding_headers_from_an_untrusted_peer_are_ignored() -> None:
    """A client that is not a trusted proxy cannot name another address for itself."""
    assert client_address("198.51.100.7", ["203.0.113.1"], PROXIES) == "198.51.100.7"
    assert client_address("198.51.100.7", ["203.0.113.1"], ()) == "198.51.100.7"


def test_the_rightmost_untrusted_hop_is_the_client() -> None:
    """Behind trusted proxies the client is the last hop they added; what it wrote is ignored."""
    assert client_address("10.0.0.5", ["203.0.113.9"], PROXIES) == "203.0.113.9"
    forged = ["1.2.3.4, 203.0.113.9, 10.1.1.1"]  # client forged 1.2.3.4; two proxies appended
    assert client_address("10.0.0.5", forged, PROXIES) == "203.0.113.9"
    assert client_address("10.0.0.5", ["1.2.3.4", "203.0.113.9"], PROXIES) == "203.0.113.9"


def test_odd_forwarding_headers_fall_back_to_the_last_trusted_hop() -> None:
    """No header, or a hop that is not an address, counts against the proxy, not a made-up name."""
    assert client_address("10.0.0.5", [], PROXIES) == "10.0.0.5"
    assert client_address("10.0.0.5", ["203.0.113.9, junk"], PROXIES) == "10.0.0.5"
    assert client_address("10.0.0.5", ["junk, 10.2.2.2"], PROXIES) == "10.2.2.2"
    assert client_address("10.0.0.5", ["[2001:db8::1]:4711"], PROXIES) == "2001:db8::1"
    assert client_address("10.0.0.5", ["203.0.113.9:4711"], PROXIES) == "203.0.113.9"
    assert client_address(None, ["203.0.113.9"], PROXIES) == "unknown"


def test_ipv4_written_as_ipv6_is_the_same_address() -> None:
    """``::ffff:10.0.0.5`` is the trusted proxy 10.0.0.5, and counts as one address."""
    assert client_address("::ffff:10.0.0.5", ["203.0.113.9"], PROXIES) == "203.0.113.9"
    assert bucket("::ffff:203.0.113.9") == bucket("203.0.113.9") == "203.0.113.9"


def test_an_ipv6_subscriber_counts_as_one() -> None:
    """Addresses of one IPv6 /64 share their failures (one subscriber holds a whole /64)."""
    assert bucket("2001:db8:1:2::1") == bucket("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert bucket("2001:db8:1:3::1") != bucket("2001:db8:1:2::1")


def test_trusted_proxies_setting() -> None:
    """Comma-separated addresses and networks; a malformed entry stops the start, named."""
    settings = Settings(trusted_proxies=" 10.0.0.0/8, 192.0.2.7 ,::1")  # type: ignore[arg-type]
    assert settings.trusted_proxies == (
        ip_network("10.0.0.0/8"),
        ip_network("192.0.2.7/32"),
        ip_network("::1/128"),
    )
    assert Settings().trusted_proxies == ()
    with pytest.raises(ValidationError, match=r"FLEETCARE_TRUSTED_PROXIES: 'proxy\.local'"):
        Settings(trusted_proxies="10.0.0.1,proxy.local")  # type: ignore[arg-type]


def test_trusted_proxies_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``FLEETCARE_TRUSTED_PROXIES`` is read as the comma-separated list, not as JSON."""
    monkeypatch.setenv("FLEETCARE_TRUSTED_PROXIES", "10.0.0.0/8,fd00::/8")
    assert Settings().trusted_proxies == PROXIES
    monkeypatch.setenv("FLEETCARE_TRUSTED_PROXIES", "10.0.0.0/33")
    with pytest.raises(ValidationError, match="FLEETCARE_TRUSTED_PROXIES"):
        Settings()


@pytest.fixture
def behind_proxy(settings: Settings) -> Iterator[Callable[[str], TestClient]]:
    """Clients of an app that trusts 10.0.0.0/8 as its proxies, connecting from a given peer."""
    app = create_app(settings.model_copy(update={"trusted_proxies": PROXIES[:1]}))
    clients: list[TestClient] = []

    def connect(peer: str) -> TestClient:
        clients.append(TestClient(app, client=(peer, 50000)))
        return clients[-1]

    yield connect
    for test_client in clients:
        test_client.close()


def _token(test_client: TestClient, username: str, password: str, forwarded: str) -> int:
    answer = test_client.post(
        "/api/auth/token",
        data={"username": username, "password": password},
        headers={"X-Forwarded-For": forwarded},
    )
    return answer.status_code


def test_forged_forwarding_does_not_escape_the_address_limit(
    behind_proxy: Callable[[str], TestClient], make_user: Callable[..., str]
) -> None:
    """Guessing from an untrusted peer with a new X-Forwarded-For each time is still throttled."""
    make_user("olga", Role.planner)
    attacker = behind_proxy("198.51.100.7")
    for n in range(5):
        assert _token(attacker, f"guess-{n}", "wrong-pass", f"203.0.113.{n}") == 401
    assert _token(attacker, "olga", TEST_PASSWORD, "203.0.113.99") == 429


def test_through_a_trusted_proxy_failures_count_against_the_client(
    behind_proxy: Callable[[str], TestClient], make_user: Callable[..., str]
) -> None:
    """Behind a trusted proxy each client has its own limit; forging a left hop changes nothing."""
    make_user("pia", Role.planner)
    proxy = behind_proxy("10.0.0.5")
    for n in range(5):
        forged = f"192.0.2.{n}, 203.0.113.9"  # the client's own header, then the proxy's hop
        assert _token(proxy, f"guess-{n}", "wrong-pass", forged) == 401
    assert _token(proxy, "pia", TEST_PASSWORD, "192.0.2.200, 203.0.113.9") == 429
    assert _token(proxy, "pia", TEST_PASSWORD, "203.0.113.10") == 200  # another client
