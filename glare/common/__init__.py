"""Pieces shared by the Glare commands and services."""
