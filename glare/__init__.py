"""Glare, the OpenStack artifact repository."""

try:
    # oslo.messaging pulls in oslo.service, whose default backend is
    # eventlet; Glare runs on native threads, so pick that backend first.
    from oslo_service import backend as _service_backend
    _service_backend.register_backend_default_hook(
        lambda: _service_backend.BackendType.THREADING)
except ImportError:  # oslo.service absent: nothing will ask for eventlet
    pass
