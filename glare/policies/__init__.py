"""Glare's policy rules in code, for the enforcer and the sample generator."""

import itertools

from glare.policies import artifacts
from glare.policies import base
from glare.policies import blobs
from glare.policies import properties
from glare.policies import quotas


def list_rules():
    return list(itertools.chain(
        base.list_rules(),
        artifacts.list_rules(),
        blobs.list_rules(),
        quotas.list_rules(),
        properties.list_rules(),
    ))
