"""Database access for Glare."""
