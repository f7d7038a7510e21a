"""The builtin artifact types, each a stevedore entry point."""
