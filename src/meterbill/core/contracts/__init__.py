"""Contracts: terms (``terms``), and the pure rules that read them."""
