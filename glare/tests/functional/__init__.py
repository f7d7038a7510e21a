"""Functional tests: real HTTP against a real glare-api process."""
