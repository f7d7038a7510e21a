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

"""The hook_artifact test type: every lifecycle hook records its calls.

Each hook appends ``(hook name, status of af, values of af)`` to ``CALLS``
and, when ``RAISE`` maps its name to an exception, raises it after
recording. ``PROBE``, when set, is called with the artifact object and its
result is recorded too (``PROBES``), e.g. to look at the database while
the hook runs. Tests reset all of this with ``reset()``.

Its ``to_notification`` adds its field ``str1`` to the base summary (the
notification payload; glare/tests/unit/test_notification.py).
"""

from glare.objects import base
from glare.objects import fields as glare_fields

CALLS = []
PATCHES = []
PROBES = []
RAISE = {}
PROBE = None

HOOKS = ('pre_create', 'post_create', 'pre_update', 'post_update',
         'pre_activate', 'post_activate', 'pre_deactivate',
         'post_deactivate', 'pre_reactivate', 'post_reactivate',
         'pre_publish', 'post_publish', 'pre_delete', 'post_delete')


def reset():
    global PROBE
    del CALLS[:], PATCHES[:], PROBES[:]
    RAISE.clear()
    PROBE = None


def names():
    return [c[0] for c in CALLS]


def _record(name, af):
    CALLS.append((name, af.get('status'), dict(af.to_values())))
    if PROBE is not None:
        PROBES.append((name, PROBE(af)))
    exc = RAISE.get(name)
    if exc is not None:
        raise exc


class HookArtifact(base.BaseArtifact):
    """A test type whose hooks record their calls."""

    TYPE_NAME = 'hook_artifact'
    DISPLAY_TYPE_NAME = 'Hook Artifact'
    VERSION = '1.3'
    fields = dict(base.BaseArtifact.fields, **{
        'str1': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False),
        'int1': glare_fields.Scalar(
            glare_fields.Integer, required_on_activate=False),
    })

    @classmethod
    def to_notification(cls, values):
        return dict(super().to_notification(values), str1=values.get('str1'))

    @classmethod
    def pre_create_hook(cls, context, af):
        _record('pre_create', af)

    @classmethod
    def post_create_hook(cls, context, af):
        _record('post_create', af)

    @classmethod
    def pre_update_hook(cls, context, af, patch=None):
        PATCHES.append(patch)
        _record('pre_update', af)

    @classmethod
    def post_update_hook(cls, context, af):
        _record('post_update', af)

    @classmethod
    def pre_activate_hook(cls, context, af):
        _record('pre_activate', af)

    @classmethod
    def post_activate_hook(cls, context, af):
        _record('post_activate', af)

    @classmethod
    def pre_deactivate_hook(cls, context, af):
        _record('pre_deactivate', af)

    @classmethod
    def post_deactivate_hook(cls, context, af):
        _record('post_deactivate', af)

    @classmethod
    def pre_reactivate_hook(cls, context, af):
        _record('pre_reactivate', af)

    @classmethod
    def post_reactivate_hook(cls, context, af):
        _record('post_reactivate', af)

    @classmethod
    def pre_publish_hook(cls, context, af):
        _record('pre_publish', af)

    @classmethod
    def post_publish_hook(cls, context, af):
        _record('post_publish', af)

    @classmethod
    def pre_delete_hook(cls, context, af):
        _record('pre_delete', af)

    @classmethod
    def post_delete_hook(cls, context, af):
        _record('post_delete', af)
