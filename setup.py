"""Packaging stub: everything is declared in setup.cfg and read by pbr."""

import setuptools

setuptools.setup(setup_requires=['pbr>=2.0.0'], pbr=True)
