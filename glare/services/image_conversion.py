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

"""Conversion of an image to another disk format, in a background task.

``POST /artifacts/images/{id}/image/convert {"disk_format": "raw"}`` is
checked up front (the source readable by the caller as a download would
be, an image the caller may create, a format to convert to), then a task
converts it: a new drafted image in the caller's project, of the same
name, its version's build metadata naming the format (1.0.0 → 1.0.0+raw),
``converted_from`` linking to the source and ``disk_format`` the new
format, gets the data qemu-img made of a scratch copy of the source
(glare.services.conversion), stored through BlobService.upload as an
upload of the caller would be. A conversion that fails or is cancelled
leaves no new image.
"""

import threading
import time
import uuid

from oslo_log import log as logging

from glare.artifact_types import image_formats as formats
from glare import context as glare_context
from glare import exception
from glare.objects import version as versions
from glare.policies import artifacts as artifact_rules
from glare.policies import blobs as blob_rules
from glare.policies import tasks as rules
from glare import policy
from glare.services import conversion
from glare.services import task_run

LOG = logging.getLogger(__name__)

KIND = 'convert'
TYPE = 'images'
FIELD = 'image'
#: share of the task's progress for the conversion; storing the result
#: takes the rest
CONVERT_SPAN = 0.7
#: fields of the source the new image gets (when the caller may read them
#: there and write them here)
COPIED = ('description', 'tags', 'metadata', 'min_ram', 'min_disk',
          'architecture', 'os_distro', 'os_version', 'kernel_id',
          'ramdisk_id')
#: metadata keys that describe the source's data, not the converted one's
_SIGNATURE_PREFIX = 'img_signature'
#: seconds between two looks at whether the task must stop
_WATCH_EVERY = 0.2


def _parse(body):
    """The disk format of a convert request's body; 400 otherwise."""
    if not isinstance(body, dict) or set(body) != {'disk_format'}:
        raise exception.BadRequest(
            'A convert request is a JSON object with one key: '
            '{"disk_format": "<one of %s>"}' % ', '.join(
                sorted(conversion.TARGETS)))
    target = body['disk_format']
    conversion.target_format(target)
    return target


def converted_version(version, disk_format):
    """The version of the converted image: the source's, its build
    metadata naming the format (1.0.0 → 1.0.0+raw; 1.0.0+qcow2, itself a
    conversion, → 1.0.0+raw; 1.0.0+b7 → 1.0.0+b7.raw)."""
    v = versions.parse(version)
    build = list(v.build or ())
    if build and build[-1] in conversion.KNOWN:
        build[-1] = disk_format
    else:
        build.append(disk_format)
    text = '%d.%d.%d' % (v.major, v.minor, v.patch)
    if v.prerelease:
        text += '-' + '.'.join(v.prerelease)
    return '%s+%s' % (text, '.'.join(build))


def link(artifact_id):
    return '/artifacts/%s/%s' % (TYPE, artifact_id)


class _Watch:
    """Cancels a conversion once its task must stop (DELETE /tasks/{id},
    a lost lease), whatever qemu-img is doing at that moment."""

    def __init__(self, run, job):
        self._run, self._job = run, job
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True,
                                        name='glare-convert-watch')

    def _watch(self):
        while not self._stop.wait(_WATCH_EVERY):
            try:
                self._run.check()
            except task_run.Cancelled:
                self._job.cancel()
                return

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class ConversionService:
    """POST /artifacts/images/{id}/image/convert and its task."""

    def __init__(self, conf, artifacts, blobs, downloads, task_service):
        self.conf = conf
        self.artifacts = artifacts
        self.blobs = blobs
        self.downloads = downloads
        self.tasks = task_service
        task_service.register(task_run.Kind(KIND, self.run, self.abandon))

    # -- the request -------------------------------------------------------
    def request(self, context, type_name, artifact_id, field_name, key,
                body):
        """Check the request and create the task; its document."""
        if type_name != TYPE or field_name != FIELD or key:
            raise exception.BadRequest(
                'Only images are converted: POST /artifacts/images/{id}/'
                'image/convert')
        target = _parse(body)
        blob, _value = self._source(context, artifact_id, target)
        context.can(rules.CONVERT, blob.target)
        self.artifacts.writable_type(context, TYPE)
        # what the task will do as the caller: create the image, upload
        context.can(artifact_rules.CREATE, policy.policy_target(
            context, type_name=TYPE, owner=context.project_id))
        new_target = self._new_target(context)
        context.can(blob_rules.UPLOAD, dict(new_target, field=FIELD))
        policy.check_write_field(context, TYPE, FIELD, new_target)
        return self.tasks.create(
            context, KIND, {'source': blob.values['id'],
                            'disk_format': target}, type_name=TYPE)

    def _source(self, context, artifact_id, target):
        """The source's blob and value, read as a download would be;
        refuses what is not converted."""
        blob, _artifact, value = self.downloads.readable(
            context, TYPE, artifact_id, FIELD, None)
        if value['external']:
            raise exception.BadRequest(
                'The data of image %s is at an external location: import '
                'it into the store first (POST .../image/import), then '
                'convert it' % blob.values['id'])
        conversion.check_request(
            blob.values.get('container_format'),
            blob.values.get('disk_format'),
            (blob.values.get('metadata') or {}).get(
                formats.DETECTED_FORMAT), target)
        return blob, value

    # -- the task ----------------------------------------------------------
    def run(self, run):
        """Convert and store (in a task worker)."""
        spec = run.input
        target = spec['disk_format']
        # the source may have changed since the request
        blob, value = self._source(run.context, spec['source'], target)
        new_id = str(uuid.uuid4())
        # recorded first: a worker that dies now leaves abandon a name
        run.set_artifact(TYPE, new_id)
        run.progress(0.0, 'Converting image %s to %s' % (
            spec['source'], target), force=True)
        self.artifacts.create(
            run.context, TYPE, self._new_body(run.context, blob, target),
            system={'converted_from': link(spec['source'])},
            artifact_id=new_id)
        converted = self._convert(run, blob, value, target)
        started = time.monotonic()
        with converted:
            with converted.open() as data:
                # the output is the conversion's own file: the file
                # store takes it in place of a copy when it can
                run.upload(TYPE, new_id, FIELD, None, data,
                           length=converted.size,
                           content_type='application/octet-stream',
                           start=CONVERT_SPAN, span=1 - CONVERT_SPAN,
                           source_file=converted.path)
        LOG.info('Task %s: image %s converted to %s as image %s (%d '
                 'bytes): copied in %.2f s, inspected in %.2f s, converted '
                 'in %.2f s, stored in %.2f s', run.id, spec['source'],
                 target, new_id, converted.size,
                 converted.timings.get('copy', 0),
                 converted.timings.get('inspect', 0),
                 converted.timings.get('convert', 0),
                 time.monotonic() - started)
        return 'Image %s converted to %s: image %s' % (
            spec['source'], target, new_id)

    def _convert(self, run, blob, value, target):
        reader = self.blobs.stores.open(value['url'])
        try:
            job = conversion.Conversion(
                self.conf, reader, target,
                declared=blob.values.get('disk_format'),
                size=value['size'], max_size=blob.field.max_blob_size,
                progress=lambda f: run.progress(f * CONVERT_SPAN))
            with _Watch(run, job):
                try:
                    return job.run()
                except conversion.Cancelled:
                    run.check()
                    raise task_run.Cancelled(task_run.CANCELLED) from None
        finally:
            reader.close()

    def _new_body(self, context, blob, target):
        """The new image's fields: the source's name, its version with
        the format, the format, and the descriptive fields the caller may
        read on the source and write on the new image."""
        source = blob.values
        body = {'name': source['name'],
                'version': converted_version(source['version'], target),
                'disk_format': target, 'container_format': 'bare'}
        new_target = self._new_target(context)
        for name in COPIED:
            value = source.get(name)
            if value in (None, [], {}) or name not in blob.cls.fields:
                continue
            if not policy.can_read_field(context, TYPE, name, blob.target):
                continue
            try:
                policy.check_write_field(context, TYPE, name, new_target)
            except exception.Forbidden:
                continue
            if name == 'metadata':
                # the recorded format and size are the new data's to set;
                # a signature of the source's data does not sign these
                value = {k: v for k, v in value.items()
                         if k not in formats.RESERVED_KEYS and
                         not k.startswith(_SIGNATURE_PREFIX)} or None
                if value is None:
                    continue
            body[name] = value
        return body

    @staticmethod
    def _new_target(context):
        """The policy target of the image a conversion makes."""
        return policy.policy_target(
            context, owner=context.project_id, visibility='private',
            status='drafted', type_name=TYPE)

    def abandon(self, run):
        """Remove the image an unsuccessful attempt created (only an image
        this task made: the one it recorded, linking to its source)."""
        new_id = run.artifact_id
        source = run.input.get('source')
        if not new_id or new_id == source or run.type_name != TYPE:
            return
        admin = glare_context.get_admin_context()
        try:
            values = self.artifacts.load(admin, TYPE, new_id)
        except exception.NotFound:
            return  # not created, or removed already
        if values.get('converted_from') != link(source) or \
                values['owner'] != run.owner:
            LOG.warning('Task %s: image %s is not the conversion it made; '
                        'it is kept', run.id, new_id)
            return
        self.artifacts.purge(admin, new_id)
        LOG.info('Task %s: removed image %s, the conversion that did not '
                 'finish', run.id, new_id)
