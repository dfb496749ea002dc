"""meterbill.services."""
