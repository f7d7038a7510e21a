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

"""Background tasks: kinds, the task document, claims and one run.

A kind of task (an import from a URL, a conversion) is a Kind registered
on the TaskService (glare.services.composition.build_services). An
endpoint creates a task (TaskService.create) and answers 202 with its
document; a worker (glare.services.task_pool.TaskPool, in glare-api
processes and glare-worker) claims it and calls the kind's run(TaskRun).
See DEVELOPERS.md "Background tasks".
"""

import dataclasses
import datetime
import json
import os
import random
import socket
import time
import typing
import uuid

from oslo_log import log as logging

from glare import context as glare_context
from glare.db import api as db_api
from glare.db import tasks as db
from glare import exception
from glare.policies import tasks as rules

LOG = logging.getLogger(__name__)

TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
#: the statuses of a task, in the order they may come
STATUSES = db.STATUSES
#: tasks a list shows at most (and by default)
MAX_LIMIT = 100
DEFAULT_LIMIT = 25
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


def document(row):
    """The task document of the API."""
    return {
        'id': row['id'],
        'type': row['type'],
        'status': row['status'],
        'progress': float(row['progress']),
        'message': row['message'],
        'artifact': row['artifact_id'],
        'created_at': row['created_at'].strftime(TIME_FORMAT),
        'updated_at': row['updated_at'].strftime(TIME_FORMAT),
    }


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


def _admin():
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
        cancel = db.report(_admin(), self.id, self.token, db_api.now(),
                           **values)
        if cancel is None:
            self.lost = True
        elif cancel:
            self.cancel_requested = True


class TaskService:
    """Tasks: create, show, list, cancel; claims and runs for workers.
    No HTTP, no SQL here."""

    def __init__(self, conf, blobs, notifier):
        self.conf = conf
        self.blobs = blobs
        self.notifier = notifier
        self.kinds = {}
        self._created = []
        #: this process's name in lease tokens
        self.worker_name = '%s:%d' % (socket.gethostname()[:200],
                                      os.getpid())

    @property
    def opts(self):
        return self.conf.tasks

    def register(self, kind):
        """Add a Kind; its name becomes a task type."""
        if kind.name in self.kinds:
            raise ValueError('Task kind %s is registered already'
                             % kind.name)
        if len(kind.name) > 32:
            raise ValueError('Task kind name %s is too long' % kind.name)
        self.kinds[kind.name] = kind

    def on_created(self, callback):
        """callback() runs after each create in this process (a local
        worker pool starts the task at once)."""
        self._created.append(callback)

    # -- the API ---------------------------------------------------------
    def create(self, context, kind_name, task_input, type_name=None,
               artifact_id=None):
        """A new pending task of a registered kind; its document.

        The endpoint checks its own policy and validates task_input (a
        JSON-serializable dict) before; the task runs with context's
        identity. Notifies task.create.
        """
        if kind_name not in self.kinds:
            raise exception.BadRequest('There is no task type %s'
                                       % kind_name)
        if not context.project_id:
            raise exception.Forbidden('Tasks belong to a project; the '
                                      'request has none')
        now = db_api.now()
        row = dict(id=str(uuid.uuid4()), type=kind_name, status=db.PENDING,
                   progress=0.0, message=None, artifact_id=artifact_id,
                   type_name=type_name, owner=context.project_id,
                   user_id=context.user_id, input=json.dumps(task_input),
                   identity=json.dumps(identity_of(context)),
                   lease_owner=None, lease_expires_at=None, attempts=0,
                   cancel_requested=False, created_at=now, updated_at=now)
        db.insert(context, row)
        doc = document(row)
        LOG.info('Task %s (%s) created for project %s', row['id'],
                 kind_name, context.project_id)
        self.notifier.task(context, 'create', doc)
        for callback in self._created:
            callback()
        return doc

    def _visible(self, context, task_id):
        row = db.get(context, task_id) if _is_uuid(task_id) else None
        if row is None or not context.can(
                rules.SHOW, self.target(context, row), fatal=False):
            raise exception.NotFound('There is no task %s' % task_id)
        return row

    @staticmethod
    def target(context, row):
        return {'owner': row['owner'], 'project_id': row['owner'],
                'user_id': row['user_id'], 'type': row['type']}

    def show(self, context, task_id):
        return document(self._visible(context, task_id))

    def list(self, context, status=None, limit=None, marker=None):
        """{'tasks': [...], 'next': marker or absent}: the caller's
        project's tasks, newest first; every project's for those the
        list_all rule allows (admins)."""
        context.can(rules.LIST)
        statuses = None
        if status is not None:
            statuses = tuple(s for s in status.split(',') if s)
            bad = sorted(set(statuses) - set(STATUSES))
            if bad or not statuses:
                raise exception.BadRequest(
                    'status is one or more of %s (comma separated), not '
                    '%r' % (', '.join(STATUSES), status))
        limit = _limit(limit)
        see_all = context.can(rules.LIST_ALL, fatal=False)
        if not see_all and not context.project_id:
            raise exception.Forbidden('Tasks belong to a project; the '
                                      'request has none')
        owner = None if see_all else context.project_id
        after = None
        if marker is not None:
            row = db.get(context, marker) if _is_uuid(marker) else None
            if row is None or (owner is not None and row['owner'] != owner):
                raise exception.BadRequest('marker is not a task of this '
                                           'list: %s' % marker)
            after = (row['created_at'], row['id'])
        rows = db.list_tasks(context, owner, statuses, limit, after)
        out = {'tasks': [document(r) for r in rows]}
        if len(rows) == limit:
            out['next'] = rows[-1]['id']
        return out

    def cancel(self, context, task_id):
        """Stop a pending or running task (DELETE /tasks/{id}); its
        document. A pending one fails at once; a running one stops
        within about a second and its worker removes what it did."""
        row = self._visible(context, task_id)
        context.can(rules.CANCEL, self.target(context, row))
        try:
            row = db.request_cancel(context, row['id'], db_api.now(),
                                    CANCELLED)
        except db.Refused as exc:
            if exc.reason == 'missing':
                raise exception.NotFound('There is no task %s'
                                         % task_id) from exc
            raise exception.Conflict('Task %s has ended already: it can '
                                     'no longer be cancelled'
                                     % task_id) from exc
        doc = document(row)
        LOG.info('Task %s: cancellation requested', task_id)
        if row['status'] == db.FAILURE:
            self.notifier.task(context, 'failure', doc)
        return doc

    # -- the workers -----------------------------------------------------
    def claim(self, count, worker=None):
        """Claim up to count tasks for this process; [TaskRun]."""
        now = db_api.now()
        until = now + datetime.timedelta(seconds=self.opts.lease_seconds)
        ids = db.candidates(_admin(), now, count * 4)
        # several workers start on different tasks rather than race
        random.shuffle(ids)
        runs = []
        for task_id in ids:
            if len(runs) >= count:
                break
            token = '%s/%s' % (worker or self.worker_name, uuid.uuid4().hex)
            row = db.claim(_admin(), task_id, token, now, until)
            if row is not None:
                runs.append(TaskRun(self, row, token))
        return runs

    def renew(self, runs):
        """Extend the leases of runs; marks those lost or cancelled."""
        if not runs:
            return
        until = db_api.now() + datetime.timedelta(
            seconds=self.opts.lease_seconds)
        held = db.renew(_admin(), [(r.id, r.token) for r in runs], until)
        for run in runs:
            if run.id not in held:
                run.lost = True
            elif held[run.id]:
                run.cancel_requested = True

    def execute(self, run):
        """Run one claimed task to its end (in a worker thread)."""
        # the log lines of this thread name the task's creator
        run.context.update_store()
        kind = self.kinds.get(run.type)
        if kind is None:
            return self._end(run, db.FAILURE, 'This service has no task '
                             'type %s' % run.type)
        if run.cancel_requested:
            return self._give_up(run, kind, CANCELLED)
        if run.attempt > self.opts.max_attempts:
            return self._give_up(run, kind, 'The workers running the task '
                                 'stopped %d times; it was given up'
                                 % (run.attempt - 1))
        if run.attempt > 1:
            LOG.warning('Task %s: attempt %d (the worker of the last one '
                        'stopped)', run.id, run.attempt)
            if not self._abandon(run, kind):
                return self._end(run, db.FAILURE, 'What an earlier attempt '
                                 'left could not be removed')
        LOG.info('Task %s (%s) started, attempt %d', run.id, run.type,
                 run.attempt)
        try:
            message = kind.run(run)
        except LeaseLost:
            LOG.warning('Task %s: its lease was lost, another worker runs '
                        'it; this attempt stopped', run.id)
            return None
        except Interrupted:
            return self._give_back(run, kind)
        except Cancelled:
            return self._give_up(run, kind, CANCELLED)
        except db_api.DatabaseUnavailable:
            # the end cannot be written: the lease expires, and the task
            # is run again once the database is back
            LOG.warning('Task %s: the database went away; it will be run '
                        'again', run.id)
            return None
        except exception.GlareException as exc:
            LOG.info('Task %s failed: %s', run.id, exc)
            return self._give_up(run, kind, str(exc))
        except Exception:
            LOG.exception('Task %s failed', run.id)
            return self._give_up(run, kind, 'The task failed with an '
                                 'internal error (see the service log)')
        return self._end(run, db.SUCCESS, message, progress=1.0)

    def _abandon(self, run, kind):
        if kind.abandon is None:
            return True
        try:
            kind.abandon(run)
            return True
        except Exception:
            LOG.exception('Task %s: removing what it left failed', run.id)
            return False

    def _give_back(self, run, kind):
        """The process stops: undo the attempt and make the task pending
        again, for another worker to run at once (the attempt does not
        count)."""
        if not self._abandon(run, kind):
            return self._end(run, db.FAILURE, 'The task was interrupted and '
                             'what it did could not all be removed')
        if db.release(_admin(), run.id, run.token, db_api.now(),
                      'Interrupted: its worker stopped; it will be run '
                      'again'):
            LOG.info('Task %s: interrupted, given back to be run again',
                     run.id)
        return None

    def _give_up(self, run, kind, message):
        if not self._abandon(run, kind):
            message += ' (what it left could not all be removed)'
        return self._end(run, db.FAILURE, message)

    def _end(self, run, status, message, progress=None):
        if not db.finish(_admin(), run.id, run.token, db_api.now(), status,
                         message, progress):
            LOG.warning('Task %s: its lease was lost before it ended (%s); '
                        'another worker runs it', run.id, status)
            return None
        LOG.info('Task %s: %s%s', run.id, status,
                 ': %s' % message if message else '')
        row = db.get(_admin(), run.id)
        doc = document(row)
        self.notifier.task(run.context, status, doc)
        return doc


def _is_uuid(value):
    try:
        return str(uuid.UUID(value)) == value
    except (ValueError, TypeError, AttributeError):
        return False


def _limit(value):
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except (TypeError, ValueError):
        limit = -1
    if not 1 <= limit <= MAX_LIMIT:
        raise exception.BadRequest('limit is a number from 1 to %d, not %r'
                                   % (MAX_LIMIT, value))
    return limit
