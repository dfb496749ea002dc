"""Repositories: the only code that writes SQL. Each takes the unit of work's connection."""
