"""Benchmark of the LACOE Mobile Service against a hello-world ceiling (``python -m bench``).

The method and targets are the design notes' perf.md; bench/RESULTS.md has the method as run and the results.
"""
