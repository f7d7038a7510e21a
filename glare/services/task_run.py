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

"""One attempt at a background task: what a kind's run gets (TaskRun),
the exceptions that stop it, and the identity a task runs with.

Kinds (glare.services.url_import, image_conversion) register a Kind on
the TaskService (glare.services.tasks), whose workers call kind.run with
a TaskRun.
"""

import dataclasses
import json
import time
import typing

from glare import context as glare_context
from glare.db import api as db_api
from glare.db import tasks as db

#: seconds between two progress writes of a run (at most)
PROGRESS_EVERY = 0.5
#: the message of a task stopped by DELETE /tasks/{id}
CANCELLED = 'Cancelled'
#: the identity of the caller a task keeps (never the token)
IDENTITY_KEYS = ('user_id', 'project_id', 'domain_id', 'user_domain_id',
                 'project_domain_id', 'user_name', 'project_name',
                 'request_id', 'global_request_id')


class Cancelled(BaseException):
    """Raised inside a run when the task must stop: DELETE /tasks/{id}.

    A BaseException, so that no ``except Exception`` of a type's upload
    check or a library swallows it on the way out; what the run began is
    undone by the code it unwinds (BlobService.upload removes the partial
    data), then Kind.abandon runs.
    """


class LeaseLost(Cancelled):
    """The worker lost its claim (it stalled past lease_seconds and
    another worker took the task over): stop, write nothing more."""


class Interrupted(Cancelled):
    """The process running the task is stopping (glare-api's worker got
    SIGTERM): stop, undo, and give the task back to be run again."""


@dataclasses.dataclass(frozen=True)
class Kind:
    """A kind of background task.

    name: the task's "type" (at most 32 characters);
    run(run: TaskRun): does the work, reporting progress and checking
    for cancellation through run; returns None or a message (str) the
    task keeps; a GlareException it raises fails the task with its
    message, anything else with a generic one (logged);
    abandon(run: TaskRun): removes what an unsuccessful attempt left
    (e.g. an artifact it created, recorded with run.set_artifact); called
    after a run that failed or was cancelled, before a retry of a task
    whose worker died (attempt > 1), and when such a task ran out of
    attempts. It must be idempotent; None: nothing to remove.
    """

    name: str
    run: typing.Callable
    abandon: typing.Optional[typing.Callable] = None


def identity_of(context):
    """What a task keeps of its creator's context: who, which project,
    which roles, admin or not. Never the token: a task may run long after
    it expired, and the database is no place for credentials."""
    values = {k: getattr(context, k, None) for k in IDENTITY_KEYS}
    values['roles'] = list(context.roles or [])
    values['is_admin'] = bool(context.is_admin)
    return values


def context_of(identity):
    """The context a task runs with: its creator's identity, no token."""
    identity = dict(identity)
    return glare_context.RequestContext(
        is_admin=bool(identity.pop('is_admin', False)),
        roles=identity.pop('roles', []), overwrite=False,
        **{k: identity.get(k) for k in IDENTITY_KEYS})


def admin_context():
    """The service's context for its own writes of task rows."""
    # a context per call: enginefacade keeps transaction state on it
    return glare_context.get_admin_context()


class _Progress:
    """A file of data being read by a task: counts, reports progress,
    stops the run when it must stop."""

    def __init__(self, run, fd, length, start, span):
        self._run, self._fd, self._length = run, fd, length
        self._start, self._span = start, span
        self.size = 0

    def read(self, size=-1):
        self._run.check()
        data = self._fd.read(size)
        self.size += len(data)
        if self._length:
            self._run.progress(self._start + self._span * min(
                self.size / self._length, 1.0))
        elif data:
            self._run.progress(None, '%d bytes read' % self.size)
        return data


class TaskRun:
    """One attempt at a task, in a worker thread: the kind's handle.

    id, type, input (the dict given to create), context (the creator's
    identity; policy checks and writes run as the creator), owner,
    attempt (1 for the first), type_name and artifact_id (what create or
    set_artifact recorded).
    """

    def __init__(self, service, row, token):
        self.service = service
        self.id = row['id']
        self.type = row['type']
        self.input = json.loads(row['input'])
        self.context = context_of(json.loads(row['identity']))
        self.owner = row['owner']
        self.attempt = row['attempts']
        self.type_name = row['type_name']
        self.artifact_id = row['artifact_id']
        self.token = token
        self.cancel_requested = bool(row['cancel_requested'])
        self.lost = False
        self.interrupted = False
        self._reported = 0.0
        self._progress = float(row['progress'] or 0.0)

    # -- for the kind ----------------------------------------------------
    def check(self):
        """Raise Cancelled (or LeaseLost) when the task must stop. Cheap:
        reads what the heartbeat and the progress writes learned."""
        if self.lost:
            raise LeaseLost('Task %s: another worker took it over'
                            % self.id)
        if self.cancel_requested:
            raise Cancelled(CANCELLED)
        if self.interrupted:
            raise Interrupted('Task %s: its worker is stopping' % self.id)

    def progress(self, fraction, message=None, force=False):
        """Report how far the task got (0..1; None keeps it) and an
        optional message. Written at most every PROGRESS_EVERY seconds
        unless force; each write also learns of a cancellation. Raises
        like check()."""
        if fraction is not None:
            self._progress = min(max(float(fraction), 0.0), 1.0)
        now = time.monotonic()
        if force or now - self._reported >= PROGRESS_EVERY:
            self._reported = now
            values = dict(progress=self._progress)
            if message is not None:
                values['message'] = message
            self._write(**values)
        self.check()

    def set_artifact(self, type_name, artifact_id):
        """Record the artifact the task works on or created (shown as the
        task's "artifact"; abandon finds it here after a crash)."""
        self.type_name, self.artifact_id = type_name, artifact_id
        self._write(type_name=type_name, artifact_id=artifact_id)
        self.check()

    def reader(self, fd, length=None, start=0.0, span=1.0):
        """fd (read(size) -> bytes) as a file that reports progress from
        start to start + span as its length bytes are read, and raises
        Cancelled while being read once the task must stop."""
        return _Progress(self, fd, length, start, span)

    def upload(self, type_name, artifact_id, field_name, key, fd,
               length=None, content_type=None, start=0.0, span=1.0,
               source_file=None):
        """Store fd's data in a blob as an upload by the task's creator
        would: BlobService.upload (policy, quotas, caps, the type's
        upload checks, hashes, the saving state, all or nothing); returns
        the artifact's document. Cancellation stops it and removes the
        partial data. source_file: the path of the private file fd reads
        (see BlobService.upload)."""
        return self.service.blobs.upload(
            self.context, type_name, artifact_id, field_name, key,
            self.reader(fd, length, start, span), length, length is None,
            content_type, source_file=source_file)

    # -- for the framework -----------------------------------------------
    def _write(self, **values):
        cancel = db.report(admin_context(), self.id, self.token, db_api.now(),
                           **values)
        if cancel is None:
            self.lost = True
        elif cancel:
            self.cancel_requested = True
