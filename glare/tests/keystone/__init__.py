"""Functional tests of the keystone auth strategy against a real Keystone."""
