"""Switchboard: every customer message reaches the right human at the right time."""
