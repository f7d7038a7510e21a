"""Throughput and latency benchmarks of a real glare-api (not unit tests)."""
