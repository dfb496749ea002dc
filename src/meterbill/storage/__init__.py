"""meterbill.storage."""
