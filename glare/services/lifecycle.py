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

"""Status and visibility transitions, with the rule that guards each."""

import dataclasses

from glare import exception
from glare.policies import artifacts as rules
from glare.services import render


@dataclasses.dataclass
class Transition:
    # activate | deactivate | reactivate | publish | share | unshare |
    # communitize | decommunitize
    name: str
    rule: str
    field: str
    value: str

    def check(self, cls, artifact):
        """Whether the artifact (its typed object) may take this step."""
        if self.name == 'activate':
            missing = [n for n, fld in cls.fields.items()
                       if fld.required_on_activate and not fld.system and
                       _empty(artifact.get(n))]
            if missing:
                raise exception.Forbidden(
                    'Artifact cannot be activated: required fields are not '
                    'set: %s' % ', '.join(sorted(missing)))
            if render.blobs_saving(cls, artifact):
                raise exception.Conflict('Artifact cannot be activated '
                                         'while a blob is being uploaded')
        if self.field == 'visibility' and artifact.get('status') == 'deleted':
            raise exception.Forbidden('The visibility of a deleted artifact '
                                      'does not change')
        if self.name == 'publish' and artifact.get('status') != 'active':
            raise exception.Forbidden('Only active artifacts can be made '
                                      'public')
        if self.name == 'communitize' and artifact.get('status') != 'active':
            raise exception.Forbidden('Only active artifacts can be made '
                                      'community')

    def changes(self, now):
        out = {self.field: self.value}
        if self.name == 'activate':
            out['activated_at'] = now
        return out


def _empty(value):
    # only null counts: an empty list or dict is a value (as upstream)
    return value is None


def status_transition(current, new):
    if current == new:
        return None
    if current == 'drafted' and new == 'active':
        return Transition('activate', rules.ACTIVATE, 'status', new)
    if current == 'active' and new == 'deactivated':
        return Transition('deactivate', rules.DEACTIVATE, 'status', new)
    if current == 'deactivated' and new == 'active':
        return Transition('reactivate', rules.REACTIVATE, 'status', new)
    raise exception.Forbidden('Status change %s → %s is not allowed' %
                              (current, new))


def status_for_changes(current, transitions):
    """The status whose rules the field changes of a patch follow.

    A reactivation may carry other changes (as upstream allowed): they are
    made to the artifact the patch makes active, so the rules of an active
    artifact hold for them (mutable fields only), whatever the order of
    the operations in the patch.
    """
    if any(t.name == 'reactivate' for t in transitions):
        return 'active'
    return current


#: visibility changes: (from, to) → (transition name, rule). Only
#: 'publish' has type hooks (as upstream); the others have none.
_VISIBILITY = {
    ('private', 'shared'): ('share', rules.UPDATE),
    ('shared', 'private'): ('unshare', rules.UPDATE),
    ('private', 'community'): ('communitize', rules.COMMUNITIZE),
    ('shared', 'community'): ('communitize', rules.COMMUNITIZE),
    ('community', 'private'): ('decommunitize', rules.DECOMMUNITIZE),
    ('community', 'shared'): ('decommunitize', rules.DECOMMUNITIZE),
    ('private', 'public'): ('publish', rules.PUBLISH),
    ('shared', 'public'): ('publish', rules.PUBLISH),
    ('community', 'public'): ('publish', rules.PUBLISH),
}


def visibility_transition(current, new):
    if current == new:
        return None
    step = _VISIBILITY.get((current, new))
    if step is None:
        why = ' (a public artifact stays public: others may depend on it)' \
            if current == 'public' else ''
        raise exception.Forbidden('Visibility change %s → %s is not '
                                  'allowed%s' % (current, new, why))
    return Transition(step[0], step[1], 'visibility', new)


def hook(cls, when, transition_name):
    """The type's pre_/post_ hook of a step, or one that does nothing
    (the sharing steps have no hooks)."""
    return getattr(cls, '%s_%s_hook' % (when, transition_name),
                   _no_hook)


def _no_hook(*_args, **_kwargs):
    return None
