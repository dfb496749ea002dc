"""meterbill.api.v1."""
