"""The Glance "v3" artifacts API v0.1 (Murano's): a facade over services."""
