"""Benchmarks: `make bench`. They measure and report; they never assert a time."""
