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

"""What ``[artifact_type:<type>] require_signature`` asks (API 1.5).

- ``activate``: an artifact becomes active (activation, reactivation)
  only when every blob and folder entry that has a value carries a
  verified signature (its record in the artifact's ``signatures``);
- ``download``: that, and a blob without one is not downloaded.

A blob at an external location cannot be signed (only data Glare stores
is): it counts as unsigned. The blobs of system fields hold data Glare
took out of the artifact's other blobs as they were uploaded (a Murano
package's logo): they are vouched for by those, and count as signed
when every other blob is.

Pure: the artifact's values in, a refusal (or nothing) out.
"""

from glare.conf import artifact_type
from glare.db import artifacts as artifacts_db
from glare import exception

NONE, ACTIVATE, DOWNLOAD = 'none', 'activate', 'download'


def _values(cls, artifact):
    """(name, field, key or None, blob value) of every blob with a
    value."""
    for name, field in sorted(cls.fields.items()):
        if not field.is_blob:
            continue
        value = artifact.get(name)
        if field.is_folder:
            for key, entry in sorted((value or {}).items()):
                if entry is not None:
                    yield name, field, key, entry
        elif value is not None:
            yield name, field, None, value


def unsigned(cls, artifact, system=False):
    """[(label, external)] of the blobs of the artifact (an object or a
    values dict: anything with get) that have a value but no verified
    signature; system: include the blobs of system fields."""
    records = artifact.get('signatures') or {}
    out = []
    for name, field, key, value in _values(cls, artifact):
        if field.system and not system:
            continue
        label = artifacts_db.signature_label(name, key)
        if label not in records:
            out.append((label, bool(value.get('external'))))
    return out


def _named(missing):
    return ', '.join('%s%s' % (label, ' (an external location: it cannot '
                                      'be signed)' if external else '')
                     for label, external in missing)


def required(conf, type_name):
    return artifact_type.required_signature(conf, type_name)


def check_activation(conf, type_name, cls, artifact):
    """409 when the type requires signatures and a blob of the artifact
    (about to become active) has none."""
    if required(conf, type_name) == NONE:
        return
    missing = unsigned(cls, artifact)
    if missing:
        raise exception.Conflict(
            'Artifact cannot be activated: artifacts of type %s need a '
            'verified signature on every blob (require_signature = %s); '
            'these have none: %s' % (type_name, required(conf, type_name),
                                     _named(missing)))


def check_download(conf, type_name, cls, artifact, name, key):
    """403 when the type requires signatures for downloads and this blob
    (field name, folder key or None) has none."""
    if required(conf, type_name) != DOWNLOAD:
        return
    field = cls.fields[name]
    label = artifacts_db.signature_label(name, key)
    if field.system:
        missing = unsigned(cls, artifact)
        if missing:
            raise exception.Forbidden(
                'Blob %s cannot be downloaded: its data comes from the '
                'artifact\'s other blobs, and artifacts of type %s need a '
                'verified signature on every blob to be downloaded '
                '(require_signature = download); these have none: %s' % (
                    label, type_name, _named(missing)))
        return
    if label not in (artifact.get('signatures') or {}):
        value = artifact.get(name)
        if field.is_folder:
            value = (value or {}).get(key)
        external = bool(value and value.get('external'))
        raise exception.Forbidden(
            'Blob %s cannot be downloaded: it has no verified signature, '
            'and artifacts of type %s need one to be downloaded '
            '(require_signature = download)%s' % (
                label, type_name, '; it is an external location, which '
                'cannot be signed' if external else
                ': sign it first (PUT .../signatures/%s)' % label))
