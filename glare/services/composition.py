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

"""The service objects of a process, and their background work."""

import threading
import time
import types

from oslo_log import log as logging

from glare.common import urlfetch
from glare.conf import artifact_type
from glare import context as glare_context
from glare.db import api as db_api
from glare import notification
from glare.objects import registry as type_registry
from glare.services import artifacts
from glare.services import blobs
from glare.services import bundles
from glare.services import downloads
from glare.services import federation
from glare.services import federated_search
from glare.services import identity
from glare.services import image_conversion
from glare.services import locations
from glare.services import projects
from glare.services import quotas
from glare.services import reviews
from glare.services import sharing
from glare.services import signatures
from glare.services import stats
from glare.services import task_pool
from glare.services import task_process
from glare.services import tasks
from glare.services import trust
from glare.services import upstreams
from glare.services import url_import
from glare.store import api as store_api

LOG = logging.getLogger(__name__)
#: the name of the thread start_clean_up starts
CLEAN_UP_THREAD = 'glare-clean-up'


def build_services(conf):
    """The service objects of one process (glare-api worker, glare-scrubber).

    Loads the artifact types, registers their option groups on conf and
    checks that every store a type writes to can be written.
    """
    registry = type_registry.TypeRegistry.load(conf)
    for name in registry.names():
        artifact_type.register_type_opts(conf, name)
    stores = store_api.Stores(conf)
    for name in registry.names():
        if name != type_registry.ALL:
            stores.check_store(stores.store_for(name))
    trash = blobs.Trash(stores)
    notifier = notification.Notifier(conf)
    artifact_service = artifacts.ArtifactService(conf, registry, trash,
                                                 notifier)
    # signatures (API 1.5): the trust store verifies signatures put on
    # blobs, and those an artifact's metadata gives for an upload
    trust_service = trust.TrustService(conf)
    blob_service = blobs.BlobService(conf, artifact_service, stores, trash,
                                     trust=trust_service)
    sharing_service = sharing.SharingService(
        conf, artifact_service, notifier,
        validator=projects.ProjectValidator(conf))
    fetcher = urlfetch.Fetcher(conf)
    counter = stats.DownloadCounter(conf)
    cloud = identity.CloudIdentity(conf)
    upstream_catalogs = upstreams.Upstreams(conf)
    bundle_service = bundles.BundleService(conf, artifact_service,
                                           blob_service, fetcher, cloud)
    # background tasks (issue 20): each kind registers itself on it
    task_service = tasks.TaskService(conf, blob_service, notifier)
    download_service = downloads.DownloadService(conf, blob_service,
                                                 fetcher, counter)
    return types.SimpleNamespace(
        tasks=task_service,
        url_import=url_import.UrlImport(conf, blob_service, task_service,
                                        fetcher),
        conversion=image_conversion.ConversionService(
            conf, artifact_service, blob_service, download_service,
            task_service),
        trust=trust_service,
        signatures=signatures.SignatureService(conf, blob_service,
                                               trust_service),
        identity=cloud,
        upstreams=upstream_catalogs,
        federated_search=federated_search.FederatedSearch(
            artifact_service, upstream_catalogs, cloud),
        registry=registry,
        notifier=notifier,
        artifacts=artifact_service,
        blobs=blob_service,
        downloads=download_service,
        stats=counter,
        locations=locations.LocationService(conf, blob_service, fetcher),
        quotas=quotas.QuotaService(conf, registry, notifier),
        sharing=sharing_service,
        reviews=reviews.ReviewService(conf, artifact_service, notifier),
        bundles=bundle_service,
        federation=federation.FederationService(
            conf, artifact_service, bundle_service, upstream_catalogs,
            notifier))


def start_clean_up(services):
    """Undo uploads a dead worker left, empty the store trash and delete
    tasks ended long ago: at start, then every stale_upload_timeout
    seconds.

    A worker restarted right after a crash finds the dead uploads not yet
    stale; the next rounds get them without waiting for glare-scrubber.
    In a thread: the worker serves at once, and the clean-up only touches
    uploads whose heartbeat stopped, never live ones. Two small queries a
    round when there is nothing to do. Started by the process entry
    points once a process serves (in each glare-api worker after the
    fork), never by building the services or the application.
    """
    def run():
        while True:
            try:
                undone, trashed = services.blobs.clean_up(
                    glare_context.get_admin_context())
                if undone or trashed:
                    LOG.info('Clean-up: %d dead upload(s) undone, %d '
                             'trashed blob(s) deleted', undone, trashed)
                purged = services.tasks.purge_ended()
                if purged:
                    LOG.info('Clean-up: %d ended task(s) deleted (older '
                             'than [tasks] time_to_live)', purged)
            except db_api.DatabaseUnavailable:
                pass  # logged once per outage by glare.db.api
            except Exception:
                LOG.exception('Clean-up failed; it runs again in %d s',
                              services.blobs.stale_after)
            time.sleep(services.blobs.stale_after)
    thread = threading.Thread(target=run, name=CLEAN_UP_THREAD, daemon=True)
    thread.start()
    return thread



def start_tasks(services, workers=None, isolation=None):
    """Start this process's task workers ([tasks] workers unless workers
    says; none when 0). isolation: 'process' runs them in a child
    glare-worker (task_process.TaskProcess), 'thread' in threads of this
    process (task_pool.TaskPool, whose threads run at the lower priority
    of [tasks] nice); None: as [tasks] isolation says. Called by the
    process entry points (each glare-api worker after the fork, and
    glare-worker with 'thread', which lowers its own priority as a
    whole), never by building the services."""
    opts = services.tasks.opts
    workers = opts.workers if workers is None else workers
    if (isolation or opts.isolation) == 'process':
        pool = task_process.TaskProcess(services.tasks, services.tasks.conf,
                                        workers)
    else:
        pool = task_pool.TaskPool(services.tasks, workers,
                                  nice=opts.nice if isolation is None else 0)
    return pool.start()
