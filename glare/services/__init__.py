"""Domain services: the rules of the catalog, free of HTTP and SQL."""
