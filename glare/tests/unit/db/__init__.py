"""Tests of glare.db."""
