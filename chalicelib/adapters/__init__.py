"""Thin adapters, one per AWS resource, each with its boto3 client injected."""
