"""pecan controllers: policy check, parse and validate, call a service."""
