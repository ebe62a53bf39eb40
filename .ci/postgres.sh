#!/usr/bin/env bash
# A throwaway PostgreSQL server for the PGStore tests.
#
#   eval "$(.ci/postgres.sh start)"   # starts one, prints `export FINOPS_TEST_POSTGRES_URL=… FINOPS_TEST_POSTGRES_DIR=…`
#   swift test
#   .ci/postgres.sh stop "$FINOPS_TEST_POSTGRES_DIR"   # stops it and deletes its data
#   .ci/postgres.sh restart DIR immediate              # a crash and restart (the fault tests' own servers)
#
# The server runs as the `postgres` user when started by root (initdb refuses root), keeps its data and its Unix
# socket in a temporary folder, listens on 127.0.0.1 only, on a free port, with trust authentication, room for the
# connections of test suites running in parallel (each load opens its own), and without
# durability (fsync off): it exists for one test run. Set PG_BIN to choose the server binaries, and PG_DURABLE=1 for
# a server that keeps every commit through a crash (the crash tests restart theirs with `restart DIR immediate`).
set -euo pipefail

pg_bin() {
    if [ -n "${PG_BIN:-}" ]; then
        echo "$PG_BIN"
        return
    fi
    local candidate
    for candidate in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        if [ -x "$candidate/initdb" ]; then
            echo "$candidate"
            return
        fi
    done
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return
    fi
    echo "postgres.sh: no PostgreSQL server binaries found (install postgresql, or set PG_BIN)" >&2
    exit 1
}

# Runs a command as the server's owner: `postgres` when we are root, else ourselves.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    local bin dir port attempt
    bin=$(pg_bin)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/finops-pg.XXXXXX")
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        rm -rf "$dir"
        exit 1
    }
    local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${PG_DURABLE:-0}" = 1 ] && durability=""
    # A port is free if the server can bind it: try random ones until a start succeeds.
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + RANDOM % 40000))
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $durability -c max_connections=400" \
            start >/dev/null 2>&1; then
            echo "export FINOPS_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres"
            echo "export FINOPS_TEST_POSTGRES_DIR=$dir"
            echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir" >&2
            return
        fi
        if ! grep -q "could not bind\|Address already in use" "$dir/server.log" 2>/dev/null; then break; fi
        : >"$dir/server.log"
    done
    echo "postgres.sh: the server did not start (attempt $attempt); its log:" >&2
    cat "$dir/server.log" >&2 || true
    rm -rf "$dir"
    exit 1
}

stop() {
    local dir=${1:-${FINOPS_TEST_POSTGRES_DIR:-}}
    if [ -z "$dir" ] || [ ! -d "$dir" ]; then
        echo "postgres.sh: no server folder to stop (give it, or set FINOPS_TEST_POSTGRES_DIR)" >&2
        return 0
    fi
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

# Restarts a server started here, keeping its options: MODE immediate stops it as a crash would (recovery at the
# next start), fast as an administrator would.
restart() {
    local dir=${1:?server folder} mode=${2:-fast}
    as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m "$mode" -w -t 60 restart >/dev/null
}

case "${1:-}" in
start) start ;;
stop) stop "${2:-}" ;;
restart) restart "${2:-}" "${3:-}" ;;
*)
    echo "usage: $0 start | stop [DIR] | restart DIR [immediate|fast]" >&2
    exit 2
    ;;
esac
