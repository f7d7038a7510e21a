"""Tests for Glare."""
