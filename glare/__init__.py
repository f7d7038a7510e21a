"""Glare, the OpenStack artifact repository."""

# First, so that no library import warns before the filter is in place.
from glare.common import warnings_filter as _warnings_filter

_warnings_filter.install()

try:
    # oslo.messaging pulls in oslo.service, whose default backend is
    # eventlet; Glare runs on native threads, so pick that backend first.
    from oslo_service import backend as _service_backend
    _service_backend.register_backend_default_hook(
        lambda: _service_backend.BackendType.THREADING)
except ImportError:  # oslo.service absent: nothing will ask for eventlet
    pass
