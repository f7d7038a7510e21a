# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Glare's policy rules in code, for the enforcer and the sample generator."""

import itertools

from glare.policies import artifacts
from glare.policies import base
from glare.policies import blobs
from glare.policies import federation
from glare.policies import members
from glare.policies import properties
from glare.policies import quotas
from glare.policies import reviews
from glare.policies import tasks
from glare.policies import trust


def list_rules():
    return list(itertools.chain(
        base.list_rules(),
        artifacts.list_rules(),
        blobs.list_rules(),
        members.list_rules(),
        reviews.list_rules(),
        federation.list_rules(),
        quotas.list_rules(),
        trust.list_rules(),
        tasks.list_rules(),
        properties.list_rules(),
    ))
