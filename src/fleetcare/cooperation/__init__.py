"""Regional cooperation: deals, trade figures and targets, exchange rates, the dashboard."""
