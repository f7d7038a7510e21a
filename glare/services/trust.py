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

"""The trust store: certificates and public keys that verify signatures.

A project's entries are its own (readable by its members and admins);
global entries (an admin adds them) are trusted by every project. The
material is checked when it is added (glare.common.crypto.load_trust:
malformed, expired, not yet valid, private or unsupported keys are
refused) and again, against the clock, whenever a signature is verified
with it (``usable``).
"""

import re
import uuid

from oslo_log import log as logging
from oslo_utils import strutils

from glare.common import crypto
from glare.db import trust as db
from glare import exception
from glare.policies import trust as rules

LOG = logging.getLogger(__name__)
#: the longest PEM text taken (a certificate with a long chain is < 16 KiB)
MAX_PEM_CHARS = 64 * 1024
MAX_NAME_CHARS = 255
SCOPES = ('project', 'global')
_BODY_KEYS = ('name', 'pem', 'scope')
_TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
_FINGERPRINT = re.compile(r'[0-9a-f]{64}')


def format_time(value):
    return None if value is None else value.strftime(_TIME_FORMAT)


def render(entry):
    """The API document of an entry (db row dict)."""
    out = dict(entry)
    for key in ('not_before', 'not_after', 'created_at'):
        out[key] = format_time(out.get(key))
    return out


def _text(body, key, limit, required=True):
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise exception.BadRequest('%s must be a non-empty string' % key)
    if len(value) > limit:
        raise exception.BadRequest('%s is longer than %d characters' % (
            key, limit))
    if '\x00' in value:
        raise exception.BadRequest('%s must not contain NUL characters'
                                   % key)
    return value


def parse_body(body):
    """(name, pem, scope) of a POST body, else 400 naming what is wrong."""
    if not isinstance(body, dict):
        raise exception.BadRequest('A trust store entry is a JSON object '
                                   'with name, pem and optionally scope')
    unknown = sorted(set(body) - set(_BODY_KEYS))
    if unknown:
        raise exception.BadRequest(
            'Unknown key%s %s; a trust store entry takes name, pem and '
            'scope' % ('s' if len(unknown) > 1 else '',
                       ', '.join(repr(k) for k in unknown)))
    name = _text(body, 'name', MAX_NAME_CHARS)
    pem = _text(body, 'pem', MAX_PEM_CHARS)
    scope = body.get('scope', 'project')
    if scope not in SCOPES:
        raise exception.BadRequest('scope is "project" or "global", not %s'
                                   % _shown(scope))
    return name, pem, scope


def _shown(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + '...'


class TrustService:
    """Trust store entries. No HTTP, no SQL here."""

    def __init__(self, conf=None):
        self.conf = conf

    @staticmethod
    def _project(context):
        """The caller's project; 403 without one (an admin may do
        without for global entries and lists of every project)."""
        if context.project_id:
            return context.project_id
        if context.is_admin:
            return None
        raise exception.Forbidden('The trust store belongs to a project: '
                                  'authenticate with a project-scoped '
                                  'token')

    @staticmethod
    def _target(context, owner):
        return {'owner': owner, 'project_id': context.project_id}

    def create(self, context, body):
        name, pem, scope = parse_body(body)
        project = self._project(context)
        if scope == 'global':
            context.can(rules.TRUST_CREATE_GLOBAL,
                        self._target(context, project))
            owner = None
        else:
            if project is None:
                raise exception.BadRequest(
                    'A project entry needs a project-scoped token; add a '
                    'global entry with "scope": "global"')
            context.can(rules.TRUST_CREATE, self._target(context, project))
            owner = project
        try:
            material = crypto.load_trust(pem)
        except crypto.CryptoError as exc:
            raise exception.BadRequest(str(exc)) from exc
        entry = db.create(context, {
            'id': str(uuid.uuid4()), 'name': name, 'owner': owner,
            'scope': scope, 'kind': material.kind, 'pem': material.pem,
            'fingerprint_sha256': material.fingerprint_sha256,
            'subject': material.subject,
            'not_before': material.not_before,
            'not_after': material.not_after})
        LOG.info('Trust store: %s entry %s (%s %s) added for %s', scope,
                 entry['id'], material.kind, material.fingerprint_sha256,
                 owner or 'every project')
        return render(entry)

    def list(self, context, params):
        unknown = sorted(set(params) - {'all_projects'})
        if unknown:
            raise exception.BadRequest(
                'Unknown query parameter %r; this request takes '
                'all_projects' % unknown[0])
        try:
            every = strutils.bool_from_string(
                params.get('all_projects', 'false'), strict=True)
        except ValueError as exc:
            raise exception.BadRequest('all_projects is true or false') \
                from exc
        project = self._project(context)
        context.can(rules.TRUST_LIST, self._target(context, project))
        if every and not context.is_admin:
            raise exception.Forbidden('Only administrators list the trust '
                                      'stores of every project')
        return {'certificates': [render(e) for e in db.list_entries(
            context, project, all_projects=every)]}

    def _visible(self, context, entry_id):
        """The entry if the caller may see it (own project, global, or
        any as admin), else 404: another project's entry is answered as
        a missing one."""
        project = self._project(context)
        entry = None
        if isinstance(entry_id, str) and _is_uuid(entry_id):
            entry = db.get(context, entry_id.lower())
        if entry is None or not (entry['owner'] is None or
                                 entry['owner'] == project or
                                 context.is_admin):
            raise exception.NotFound('No trust store entry %s' % entry_id)
        return entry

    def show(self, context, entry_id):
        entry = self._visible(context, entry_id)
        context.can(rules.TRUST_GET, self._target(
            context, entry['owner'] or context.project_id))
        return render(entry)

    def delete(self, context, entry_id):
        entry = self._visible(context, entry_id)
        if entry['owner'] is None:
            context.can(rules.TRUST_CREATE_GLOBAL,
                        self._target(context, context.project_id))
            context.can(rules.TRUST_DELETE,
                        self._target(context, context.project_id))
        else:
            context.can(rules.TRUST_DELETE,
                        self._target(context, entry['owner']))
        if not db.delete(context, entry['id']):
            raise exception.NotFound('No trust store entry %s' % entry_id)
        LOG.info('Trust store: entry %s (%s) removed', entry['id'],
                 entry['fingerprint_sha256'])

    # -- for signatures ------------------------------------------------
    def usable(self, context, entry_id, owner):
        """(entry, crypto.Trust) of a trust store entry that verifies
        signatures on owner's artifacts: one of owner's project or a
        global one, valid now. CryptoError otherwise: an entry of
        another project is answered as a missing one."""
        entry = None
        if isinstance(entry_id, str) and _is_uuid(entry_id):
            entry = db.get(context, entry_id.lower())
        if entry is None or entry['owner'] not in (None, owner):
            raise crypto.CryptoError('no trust store entry %s' % (
                _shown(entry_id) if not isinstance(entry_id, str)
                else entry_id[:64]))
        return entry, _usable_material(entry)

    def with_fingerprint(self, context, fingerprint, owner):
        """(entry, crypto.Trust) of an entry of owner's project (first)
        or a global one whose key has this SHA-256 fingerprint, valid now:
        what verifies, in the trust store of an importer, a signature
        recorded elsewhere. CryptoError when there is none (naming the
        reason when there are entries, but none is valid now)."""
        failure = None
        if isinstance(fingerprint, str):
            for entry in db.with_fingerprint(context, owner,
                                             fingerprint.lower()):
                try:
                    return entry, _usable_material(entry)
                except crypto.CryptoError as exc:
                    failure = failure or exc
        if failure is not None:
            raise failure
        # a fingerprint is shown whole (it is what one compares); anything
        # else cut short
        shown = fingerprint.lower() if isinstance(fingerprint, str) and \
            _FINGERPRINT.fullmatch(fingerprint.lower()) else \
            _shown(fingerprint)
        raise crypto.CryptoError('no trust store entry has the key of '
                                 'fingerprint %s' % shown)


def _usable_material(entry):
    try:
        # checked again: a certificate expires after it was added
        return crypto.load_trust(entry['pem'])
    except crypto.CryptoError as exc:
        raise crypto.CryptoError('trust store entry %s: %s' % (
            entry['id'], exc)) from exc


def _is_uuid(value):
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True
