"""meterbill.api."""
