"""Benchmark driver for banyan and its peers (s6, runit, supervisord).

Standard library only. Entry point: bench/run (which calls bench/bench.py).
"""
