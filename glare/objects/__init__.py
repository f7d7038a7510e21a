"""Artifact types as oslo.versionedobjects: fields, validators, schemas."""
