"""Giving: pledges, payments, gateway events, reconciliation, reservations."""
