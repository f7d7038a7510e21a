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

"""Pull from and push to upstream catalogs: bundles over HTTP.

A pull streams the upstream's export (GET .../bundle, with the service's
credentials there) into the local import, which verifies every byte and
commits all or nothing. A push streams the local export into the
upstream's import (POST /artifacts/import). No bundle is staged whole,
in memory or on disk, on either side.
"""

import json
import uuid

from oslo_log import log as logging

from glare.bundles import layout
from glare import exception
from glare.policies import federation as rules
from glare import policy
from glare.services import imports
from glare.services import upstreams as upstreams_service

LOG = logging.getLogger(__name__)

MEDIA_TYPE = layout.BUNDLE_MEDIA_TYPE
#: what an upstream may answer a bundle as
BUNDLE_TYPES = (MEDIA_TYPE, 'application/x-tar')
IMPORT_PATH = '/artifacts/import'
#: the upstream's refusals of a push that are the pushed bundle's (its
#: content, the rights of this service there, the upstream's quota):
#: answered with the same code; any other answer of the upstream is 502
RELAYED = {400: exception.BadRequest, 403: exception.Forbidden,
           409: exception.Conflict, 413: exception.RequestEntityTooLarge}
#: the largest answer to an import that is read (its JSON result)
MAX_RESULT_BYTES = upstreams_service.MAX_JSON_BYTES
#: artifacts named in one refusal's message (the body names them all)
SHOWN = 25

PULL_BODY = {'upstream': str, 'id': str, 'dependencies': bool}
PUSH_BODY = {'upstream': str, 'dependencies': bool}
PULL_EXAMPLE = '{"upstream": "<name>", "id": "<artifact id>", ' \
    '"dependencies": true}'
PUSH_EXAMPLE = '{"upstream": "<name>", "dependencies": true}'
KIND_NAMES = {str: 'a string', bool: 'true or false'}


def request_body(body, allowed, example):
    """The checked body of a pull or push: {key: value} with every key of
    allowed (dependencies defaults to true); 400 naming what is wrong."""
    if not isinstance(body, dict):
        raise exception.BadRequest('The body must be a JSON object: %s'
                                   % example)
    extra = sorted(set(body) - set(allowed))
    if extra:
        raise exception.BadRequest(
            'Unknown key(s) in the body: %s; it holds %s' % (
                ', '.join(extra), ', '.join(allowed)))
    out = {'dependencies': True}
    for key, kind in allowed.items():
        if key not in body:
            if key == 'dependencies':
                continue
            raise exception.BadRequest('The body must hold "%s": %s' % (
                key, example))
        value = body[key]
        # bool is an int, never a str: isinstance is exact for both
        if not isinstance(value, kind):
            raise exception.BadRequest('"%s" is %s, not %s' % (
                key, KIND_NAMES[kind], json.dumps(value)[:100]))
        out[key] = value
    if 'id' in out:
        try:
            out['id'] = str(uuid.UUID(out['id']))
        except ValueError as exc:
            raise exception.BadRequest('"id" is an artifact id (a UUID), '
                                       'not %r' % out['id'][:100]) from exc
    return out


def _dependencies(flag):
    return 'closure' if flag else 'none'


def _described(record):
    doc = record['artifact']
    return {'type_name': record['type_name'], 'id': doc['id'],
            'name': doc.get('name'), 'version': doc.get('version')}


class _Sent:
    """The export as a request body that counts what was sent and keeps
    the export's own failure (a store that cannot be read), which the
    HTTP client would otherwise report as a broken connection."""

    def __init__(self, chunks, length):
        self._chunks = chunks
        self._length = length
        self.bytes = 0
        self.error = None

    def __len__(self):
        # the exact size of the export: sent as Content-Length
        return self._length

    def __iter__(self):
        try:
            for chunk in self._chunks:
                self.bytes += len(chunk)
                yield chunk
        except Exception as exc:
            self.error = exc
            raise

    def close(self):
        close = getattr(self._chunks, 'close', None)
        if close is not None:
            close()


class FederationService:
    """Pulls and pushes of artifacts. No HTTP routes, no SQL here."""

    def __init__(self, conf, artifacts, bundles, upstreams, notifier):
        self.conf = conf
        self.artifacts = artifacts
        self.bundles = bundles
        self.upstreams = upstreams
        self.notifier = notifier

    # -- shared ----------------------------------------------------------
    def _upstream(self, name, type_name, action):
        """The upstream called name, when it takes action (pull or push)
        of type_name artifacts; 400 for an unknown name, 403 naming the
        option that forbids it."""
        upstream = self.upstreams.get(name)
        group = '[upstream:%s]' % upstream.name
        if not getattr(upstream, action):
            raise exception.Forbidden(
                'Upstream %s does not take %ses: %s %s = False' % (
                    upstream.name, action, group, action))
        if not upstream.allows_type(type_name):
            raise exception.Forbidden(
                'Upstream %s is not used for %s artifacts: %s types = %s' % (
                    upstream.name, type_name, group,
                    ','.join(sorted(upstream.types))))
        return upstream

    # -- pull ------------------------------------------------------------
    def pull(self, context, type_name, body):
        """Import the upstream's artifact (and, with dependencies, its
        closure) into the caller's project; the import's result with
        "upstream"."""
        # 404 for an unknown type; 403 for all, anonymous or read-only
        self.artifacts.writable_type(context, type_name)
        wanted = request_body(body, PULL_BODY, PULL_EXAMPLE)
        upstream = self._upstream(wanted['upstream'], type_name, 'pull')
        context.can(rules.PULL, policy.policy_target(
            context, type_name=type_name, owner=context.project_id))
        path = '/artifacts/%s/%s/bundle' % (type_name, wanted['id'])
        LOG.info('Pulling %s artifact %s (dependencies: %s) from upstream '
                 '%s into project %s', type_name, wanted['id'],
                 _dependencies(wanted['dependencies']), upstream.name,
                 context.project_id)
        try:
            resp = upstream.request(
                'GET', path, params={
                    'dependencies': _dependencies(wanted['dependencies'])},
                headers={'Accept': MEDIA_TYPE})
        except upstreams_service.UpstreamError as exc:
            if exc.code == 404:
                raise exception.NotFound(
                    'Upstream %s has no %s artifact %s that this service '
                    'may read (%s)' % (upstream.name, type_name,
                                       wanted['id'], exc.detail)) from exc
            raise exc.as_api_error() from exc
        options = imports.Options(
            upstream=upstream.name, root=(type_name, wanted['id']),
            root_alone=not wanted['dependencies'])
        try:
            result = self._import(context, upstream, resp, path, options)
        finally:
            resp.close()
        self.notifier.federation(context, 'pull', {
            'upstream': upstream.name, 'type_name': type_name,
            'id': wanted['id'], 'dependencies': wanted['dependencies'],
            'imported': result['imported'], 'skipped': result['skipped']})
        return dict(result, upstream=upstream.name)

    def _import(self, context, upstream, resp, path, options):
        """The local import of the bundle the upstream streams."""
        ctype = resp.headers.get('Content-Type', '').split(';')[0].strip()
        if ctype.lower() not in BUNDLE_TYPES:
            raise exception.BadGateway(
                'upstream %s: GET %s answered %s, not a bundle (%s)' % (
                    upstream.name, path, ctype or 'no Content-Type',
                    MEDIA_TYPE))
        importer = imports.Importer(self.bundles, context, options)
        try:
            return importer.run(upstream.chunks(resp, path))
        except upstreams_service.UpstreamError as exc:
            raise exc.as_api_error() from exc
        except exception.BadRequest as exc:
            if isinstance(exc.__cause__, layout.LayoutError):
                # the bytes that came are not the bundle the upstream
                # described: its fault or the network's, not the caller's
                raise exception.BadGateway(
                    'upstream %s: the bundle of %s does not verify, nothing '
                    'was imported: %s' % (upstream.name, path,
                                          exc.__cause__)) from exc
            raise

    # -- push ------------------------------------------------------------
    def push(self, context, type_name, artifact_id, body):
        """Send the artifact (and, with dependencies, its closure) to the
        upstream's import; its result with "upstream"."""
        # 404 for an unknown type; 403 for all, anonymous or read-only
        self.artifacts.writable_type(context, type_name)
        wanted = request_body(body, PUSH_BODY, PUSH_EXAMPLE)
        upstream = self._upstream(wanted['upstream'], type_name, 'push')
        values = self.artifacts.load(context, type_name, artifact_id)
        context.can(rules.PUSH, policy.policy_target(context, values))
        export = self.bundles.export(context, type_name, values['id'],
                                     _dependencies(wanted['dependencies']))
        sent = _Sent(export.body, export.length)
        try:
            self._check_types(upstream, export.records)
            self._check_not_back(upstream, export.records)
            LOG.info('Pushing %s artifact %s with %d dependencies (%d '
                     'bytes) to upstream %s', type_name, values['id'],
                     len(export.records) - 1, export.length, upstream.name)
            result = self._send(upstream, sent)
        finally:
            sent.close()
        self.notifier.federation(context, 'push', {
            'upstream': upstream.name, 'type_name': type_name,
            'id': values['id'], 'dependencies': wanted['dependencies'],
            'imported': result.get('imported'),
            'skipped': result.get('skipped')})
        return dict(result, upstream=upstream.name)

    @staticmethod
    def _check_types(upstream, records):
        other = sorted({r['type_name'] for r in records
                        if not upstream.allows_type(r['type_name'])})
        if other:
            raise exception.Forbidden(
                'Upstream %s is not used for %s artifacts ([upstream:%s] '
                'types = %s); the bundle holds some: push without '
                'dependencies, or push those elsewhere' % (
                    upstream.name, ', '.join(other), upstream.name,
                    ','.join(sorted(upstream.types))))

    def _check_not_back(self, upstream, records):
        """409 naming the artifacts of the bundle that came from the
        upstream's cloud (its cloud_id, learnt from its GET /federation)
        or were pulled from it."""
        try:
            doc = upstream.get_json('/federation')
        except upstreams_service.UpstreamError as exc:
            raise exc.as_api_error() from exc
        cloud_id = doc.get('cloud_id') if isinstance(doc, dict) else None
        if not isinstance(cloud_id, str) or not cloud_id:
            raise exception.BadGateway(
                'upstream %s: its GET /federation names no cloud_id'
                % upstream.name)
        back = []
        for record in records:
            origin = record.get('origin') or {}
            if origin.get('cloud_id') == cloud_id:
                reason = 'it came from that cloud (%s)' % cloud_id
            elif origin.get('upstream') == upstream.name:
                reason = 'it was pulled from upstream %s' % upstream.name
            else:
                continue
            back.append(dict(_described(record), reason=reason))
        if not back:
            return
        text = ', '.join('%s/%s (%s)' % (d['type_name'], d['id'],
                                         d['reason'])
                         for d in back[:SHOWN])
        if len(back) > SHOWN:
            text += ' and %d more' % (len(back) - SHOWN)
        exc = exception.Conflict(
            'An artifact is never pushed back to the cloud it came from; '
            'upstream %s: %s' % (upstream.name, text))
        exc.body_extra = {'artifacts': back}
        raise exc

    def _send(self, upstream, sent):
        """POST the bundle to the upstream's import; its JSON result."""
        try:
            resp = upstream.request('POST', IMPORT_PATH, headers={
                'Content-Type': MEDIA_TYPE}, data=sent)
        except upstreams_service.UpstreamError as exc:
            if sent.error is not None:
                # the export broke, not the upstream: as a local export
                # whose data cannot be read
                LOG.error('Push to upstream %s: the export failed after %d '
                          'bytes: %s', upstream.name, sent.bytes, sent.error)
                if isinstance(sent.error, exception.GlareException):
                    raise sent.error from exc
                raise exception.GlareException(
                    'The bundle could not be read from the store: %s' %
                    type(sent.error).__name__) from exc
            relayed = RELAYED.get(exc.code)
            if relayed is not None:
                raise relayed('Upstream %s refused the bundle: %s' % (
                    upstream.name, exc.detail)) from exc
            if exc.code is None and exc.status == 'error' and sent.bytes:
                raise exception.BadGateway(
                    'upstream %s closed the connection after %d bytes of '
                    'the bundle (it may have refused it; its log tells '
                    'why): %s' % (upstream.name, sent.bytes, exc.detail)
                ) from exc
            raise exc.as_api_error() from exc
        data = bytearray()
        try:
            for chunk in upstream.chunks(resp, IMPORT_PATH):
                data += chunk
                if len(data) > MAX_RESULT_BYTES:
                    raise exception.BadGateway(
                        'upstream %s: the answer to POST %s is larger than '
                        '%d bytes' % (upstream.name, IMPORT_PATH,
                                      MAX_RESULT_BYTES))
        except upstreams_service.UpstreamError as exc:
            raise exc.as_api_error() from exc
        finally:
            resp.close()
        try:
            result = json.loads(bytes(data))
        except ValueError:
            result = None
        if not isinstance(result, dict) or not isinstance(
                result.get('imported'), list):
            raise exception.BadGateway(
                'upstream %s: the answer to POST %s is not an import '
                'result' % (upstream.name, IMPORT_PATH))
        return result
