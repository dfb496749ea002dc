"""meterbill.api.v2."""
