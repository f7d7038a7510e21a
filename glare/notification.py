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

"""Notifications of artifact and quota changes, through oslo.messaging."""

import atexit
import queue
import threading
import time

from oslo_log import log as logging
import oslo_messaging
from oslo_messaging import opts as messaging_opts

from glare.objects import base

LOG = logging.getLogger(__name__)

GROUP = 'oslo_messaging_notifications'
PREFIX = 'artifact.'
# what each successful operation emits, at priority INFO ('update' and a
# transition both come from one PATCH that changes fields and status)
ARTIFACT_EVENTS = ('create', 'update', 'activate', 'reactivate',
                   'deactivate', 'publish', 'share', 'unshare',
                   'communitize', 'decommunitize', 'delete', 'upload',
                   'set_location', 'delete_blob')
#: changes of an artifact's members: artifact.member.<event>
MEMBER_EVENTS = ('create', 'update', 'delete')
#: changes of an artifact's reviews: artifact.review.<event> (API 1.6)
REVIEW_EVENTS = ('create', 'update', 'delete')
QUOTA_EVENTS = ('set_quotas',)
#: pulls from and pushes to upstream catalogs: artifact.pull|push
FEDERATION_EVENTS = ('pull', 'push')
#: background tasks (glare.services.tasks): task.create, task.success,
#: task.failure, with the task document as payload
TASK_PREFIX = 'task.'
TASK_EVENTS = ('create', 'success', 'failure')
EVENTS = tuple(PREFIX + e for e in ARTIFACT_EVENTS + QUOTA_EVENTS +
               FEDERATION_EVENTS) + tuple(
    PREFIX + 'member.' + e for e in MEMBER_EVENTS) + tuple(
    PREFIX + 'review.' + e for e in REVIEW_EVENTS) + tuple(
    TASK_PREFIX + e for e in TASK_EVENTS)

# notifications waiting for the sender thread; beyond that (a broker down
# for long, with retry = -1) new ones are dropped rather than kept in memory
QUEUE_SIZE = 1000
# how long a stopping worker waits for the queue to drain
EXIT_FLUSH_SECONDS = 2.0
_DROP_WARNING_EVERY = 60.0


def register_opts(conf):
    """[oslo_messaging_notifications], as oslo.messaging declares it."""
    for group, opts in messaging_opts.list_opts():
        if group == GROUP:
            conf.register_opts(opts, group=GROUP)


def drivers(conf):
    """The configured drivers that emit something (noop does not)."""
    register_opts(conf)
    return [d for d in conf[GROUP].driver if d and d != 'noop']


def artifact_payload(cls, type_name, document):
    """An artifact's notification payload: its type's summary of it
    (the to_notification hook; by default the base fields), made from the
    document the API renders, which never holds blob data, with type_name
    added, as the document of a concrete type lacks it."""
    return (cls or base.BaseArtifact).to_notification(
        dict(document, type_name=type_name))


class Notifier:
    """Emits Glare's notifications; nearly free when none are configured.

    oslo.messaging's Notifier sends in the calling thread and, with its
    default retry of -1, waits forever for a broker that is down. Here a
    request only queues the notification; one thread per process sends
    them, in order. A failure to send is logged, never raised.
    """

    def __init__(self, conf=None):
        names = drivers(conf) if conf is not None else []
        self.enabled = bool(names)
        self._notifier = None
        self._queue = None
        self._thread = None
        self._lock = threading.Lock()
        self._dropped = 0
        self._warned_at = None
        if not self.enabled:
            return
        transport = oslo_messaging.get_notification_transport(conf)
        # driver, topics and retry come from [oslo_messaging_notifications]
        self._notifier = oslo_messaging.Notifier(
            transport, publisher_id=conf.glare_publisher_id)
        self._queue = queue.Queue(QUEUE_SIZE)
        LOG.info('Notifications on: driver(s) %s, publisher id %s',
                 ', '.join(names), conf.glare_publisher_id)

    # -- emitting --------------------------------------------------------
    def artifact(self, context, events, type_name, document, cls=None):
        """An artifact changed. events: a name of ARTIFACT_EVENTS or a list
        of them (sent in that order); document: the rendered artifact, or a
        function that renders it (called only when notifications are on);
        cls: the artifact's type, whose to_notification makes the payload."""
        if not self.enabled or not events:
            return
        if isinstance(events, str):
            events = [events]
        try:
            if callable(document):
                document = document()
            payload = artifact_payload(cls, type_name, document)
            for event in events:
                self._emit(context, PREFIX + event, payload)
        except Exception:
            LOG.exception('Could not emit %s of a %s artifact',
                          ', '.join(events), type_name)

    def member(self, context, event, document):
        """A member of an artifact was added, changed its status or was
        removed; event: one of MEMBER_EVENTS, document: the member's."""
        if not self.enabled:
            return
        try:
            self._emit(context, PREFIX + 'member.' + event, dict(document))
        except Exception:
            LOG.exception('Could not emit artifact.member.%s', event)

    def review(self, context, event, document):
        """A review of an artifact was written, edited, hidden or shown
        again (update), or deleted; event: one of REVIEW_EVENTS, document:
        the review's."""
        if not self.enabled:
            return
        try:
            self._emit(context, PREFIX + 'review.' + event, dict(document))
        except Exception:
            LOG.exception('Could not emit artifact.review.%s', event)

    def quotas(self, context, document):
        """Project quotas were set; document: what PUT /quotas answers."""
        if not self.enabled:
            return
        try:
            self._emit(context, PREFIX + 'set_quotas', document)
        except Exception:
            LOG.exception('Could not emit artifact.set_quotas')

    def federation(self, context, event, document):
        """An artifact was pulled from or pushed to an upstream catalog;
        event: one of FEDERATION_EVENTS, document: the upstream, the
        root's type_name and id, what was imported and skipped."""
        if not self.enabled:
            return
        try:
            self._emit(context, PREFIX + event, dict(document))
        except Exception:
            LOG.exception('Could not emit artifact.%s', event)

    def task(self, context, event, document):
        """A background task was created, succeeded or failed (a
        cancelled one fails); event: one of TASK_EVENTS, document: the
        task's (GET /tasks/{id})."""
        if not self.enabled:
            return
        try:
            self._emit(context, TASK_PREFIX + event, dict(document))
        except Exception:
            LOG.exception('Could not emit task.%s', event)

    def _emit(self, context, event_type, payload):
        # redacted here: a context can only work out its admin flag in the
        # request's thread, with the policy enforcer of the process
        ctxt = context.redacted_copy() if context is not None else {}
        self._start()
        try:
            self._queue.put_nowait((ctxt, event_type, payload))
        except queue.Full:
            self._dropped += 1
            now = time.monotonic()
            if self._warned_at is None or \
                    now - self._warned_at > _DROP_WARNING_EVERY:
                self._warned_at = now
                LOG.warning('Notification queue full (the message bus is '
                            'slow or down): %d notification(s) dropped so '
                            'far, %s among them', self._dropped, event_type)

    # -- the sender thread -----------------------------------------------
    def _start(self):
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            first = self._thread is None
            self._thread = threading.Thread(target=self._send_all,
                                            name='glare-notifier',
                                            daemon=True)
            self._thread.start()
            if first:
                atexit.register(self.flush, EXIT_FLUSH_SECONDS)

    def _send_all(self):
        while True:
            item = self._queue.get()
            if isinstance(item, threading.Event):
                item.set()  # a flush() waiting for what came before
                continue
            ctxt, event_type, payload = item
            try:
                self._notifier.info(ctxt, event_type, payload)
            except Exception:
                LOG.exception('Could not send notification %s', event_type)

    def flush(self, timeout=10.0):
        """Wait until what was emitted so far is sent (or failed to be);
        False when that takes longer than timeout seconds."""
        if not self.enabled or self._thread is None or \
                not self._thread.is_alive():
            return True
        done = threading.Event()
        try:
            self._queue.put(done, timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout)
