"""FastAPI's native OpenTelemetry: off unless ``FLEETCARE_TELEMETRY``, then through the
process's own providers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace

from fleetcare.core.config import Settings
from fleetcare.web.app import create_app


class RecordingTracer(trace.NoOpTracer):
    """Notes the kind and path of each span it is asked to start."""

    def __init__(self) -> None:
        self.started: list[tuple[trace.SpanKind, object]] = []

    def start_span(self, name: str, *args: Any, **kwargs: Any) -> trace.Span:
        attributes = kwargs.get("attributes") or {}
        self.started.append(
            (kwargs.get("kind", trace.SpanKind.INTERNAL), attributes.get("url.path"))
        )
        return super().start_span(name, *args, **kwargs)


class RecordingProvider(trace.TracerProvider):
    """A provider the process has set up (not one of the API's placeholders), with one tracer."""

    def __init__(self) -> None:
        self.tracer = RecordingTracer()

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return self.tracer


@pytest.mark.parametrize("switched_on", [False, True], ids=["default", "telemetry"])
def test_requests_reach_opentelemetry_only_when_switched_on(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, switched_on: bool
) -> None:
    """With a tracer provider set up in the process, a request starts a server span only
    when ``FLEETCARE_TELEMETRY`` is on; by default nothing is reported."""
    provider = RecordingProvider()
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: provider)
    monkeypatch.setenv("FLEETCARE_TELEMETRY", "1" if switched_on else "0")
    app = create_app(Settings(database_url=settings.database_url, secret_key=settings.secret_key))
    with TestClient(app) as client:
        assert client.get("/api/health").status_code == 200
    servers = [path for kind, path in provider.tracer.started if kind is trace.SpanKind.SERVER]
    assert servers == (["/api/health"] if switched_on else [])
    assert bool(provider.tracer.started) is switched_on  # off: not even the endpoint's spans
