"""Benchmarks: scripts that print figures and a ratio against a baseline from the same run."""
