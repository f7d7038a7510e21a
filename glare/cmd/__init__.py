"""Command line entry points of Glare."""
