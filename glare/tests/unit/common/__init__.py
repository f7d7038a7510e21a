"""Tests of glare.common."""
