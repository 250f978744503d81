"""Benchmarks: speed, memory and quality figures with their targets. `make bench [ONLY=name]`."""
