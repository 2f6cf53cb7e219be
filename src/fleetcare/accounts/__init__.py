"""Accounts: users and roles, sign-in (tokens and sessions), login throttling, the audit log."""
