"""Giving: pledges, payments, gateway events, reconciliation, reservations and counters, the
donation read model (donation_views) and the give page."""
