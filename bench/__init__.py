"""Benchmarks: run each as ``python -m bench.<name>``; each exits non-zero on a missed target."""
