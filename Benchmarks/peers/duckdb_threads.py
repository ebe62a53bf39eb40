#!/usr/bin/env python3
"""The shared DuckDB pivot peer (../shared/bench/bench_duckdb.py), run with DUCKDB_THREADS threads.

DuckDB sizes its pool from the machine's CPU count, not the process's affinity, so under `taskset` it is told the
number of cores it was given. Arguments are the peer's own."""
import os
import runpy
import sys

import duckdb

_connect = duckdb.connect


def connect(*arguments, **options):
    connection = _connect(*arguments, **options)
    connection.execute(f"SET threads = {int(os.environ['DUCKDB_THREADS'])}")
    return connection


duckdb.connect = connect
script = os.environ.get("PEER_SCRIPT", os.path.join(os.path.dirname(__file__), "../../../shared/bench/bench_duckdb.py"))
sys.argv[0] = script
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
runpy.run_path(script, run_name="__main__")
