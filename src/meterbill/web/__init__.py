"""meterbill.web."""
