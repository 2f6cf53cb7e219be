"""Service: defect reports, warranty decisions, work orders and downtime."""
