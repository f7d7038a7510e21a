"""Tests of the WSGI stack: glare.api and the services under it."""
