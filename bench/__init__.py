"""Benchmark of the LACOE Mobile Service against a hello-world ceiling (``python -m bench``).

See /work/shared/design/perf.md for the method and targets, and bench/RESULTS.md for results.
"""
