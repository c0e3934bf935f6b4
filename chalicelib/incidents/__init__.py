"""Incidents: one outage, one incident, one honest update to everyone who reported it."""
