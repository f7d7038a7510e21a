"""Tests of glare.conf."""
