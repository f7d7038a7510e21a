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

"""Background tasks: the task document, create, show, list, cancel,
claims, and the end of each run.

A kind of task (an import from a URL, a conversion) is a Kind
(glare.services.task_run) registered on the TaskService
(glare.services.composition.build_services). An endpoint creates a task
(TaskService.create) and answers 202 with its document; a worker
(glare.services.task_pool.TaskPool, in glare-worker and in glare-api
processes, there in a child process of each by default:
glare.services.task_process) claims it and calls the kind's run with a
TaskRun. See DEVELOPERS.md "Background tasks".
"""

import datetime
import json
import os
import random
import socket
import uuid

from oslo_log import log as logging

from glare.db import api as db_api
from glare.db import tasks as db
from glare import exception
from glare.policies import tasks as rules
from glare.services import task_run

LOG = logging.getLogger(__name__)
_admin = task_run.admin_context

TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
#: the statuses of a task, in the order they may come
STATUSES = db.STATUSES
#: tasks a list shows at most (and by default)
MAX_LIMIT = 100
DEFAULT_LIMIT = 25


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
                   identity=json.dumps(task_run.identity_of(context)),
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
                                    task_run.CANCELLED)
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
    #: ended tasks deleted at most per statement of purge_ended
    PURGE_BATCH = 500

    def purge_ended(self):
        """Delete the tasks that ended more than [tasks] time_to_live
        hours ago; how many."""
        before = db_api.now() - datetime.timedelta(
            hours=self.opts.time_to_live)
        total = 0
        while True:
            # looked for first: a round with nothing to delete writes
            # nothing (on SQLite, takes no write lock)
            ids = db.ended_before(_admin(), before, self.PURGE_BATCH)
            if ids:
                total += db.purge(_admin(), ids)
            if len(ids) < self.PURGE_BATCH:
                return total

    def waiting(self):
        """Whether a task waits for a worker: a pending one, or one
        whose worker died (its lease expired)."""
        return bool(db.candidates(_admin(), db_api.now(), 1))

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
                runs.append(task_run.TaskRun(self, row, token))
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
            return self._give_up(run, kind, task_run.CANCELLED)
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
        except task_run.LeaseLost:
            LOG.warning('Task %s: its lease was lost, another worker runs '
                        'it; this attempt stopped', run.id)
            return None
        except task_run.Interrupted:
            return self._give_back(run, kind)
        except task_run.Cancelled:
            return self._give_up(run, kind, task_run.CANCELLED)
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
