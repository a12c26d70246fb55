"""Benchmarks: API calls per operation, provider overhead, and scale (`python -m bench`)."""
