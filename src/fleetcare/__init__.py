"""fleetcare: keep exported machine fleets running."""

__version__ = "0.1.0"
