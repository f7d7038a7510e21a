"""Tests of glare.services."""
