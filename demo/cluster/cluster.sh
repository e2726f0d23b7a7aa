#!/bin/bash
# `make cluster-up` / `make cluster-down` (docs/deploy.md "Past one machine"): a PostgreSQL
# primary, a streaming replica and PgBouncer (transaction pooling) on this machine, from
# Debian's packages, under var/cluster. Trust authentication, on 127.0.0.1 only.
#   demo/cluster/cluster.sh up|down|status
set -euo pipefail

BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
ROOT=${CLUSTER_DIR:-$PWD/var/cluster}
PRIMARY_PORT=${PRIMARY_PORT:-5441}
REPLICA_PORT=${REPLICA_PORT:-5442}
POOLER_PORT=${POOLER_PORT:-6441}
DATABASE=${CLUSTER_DATABASE:-clinic_cluster}
RUN=$ROOT/run  # the servers' Unix sockets, pid files and logs

# PostgreSQL and PgBouncer refuse to run as root: as root, they run as the postgres user.
as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

psql_at() { as_owner "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -p "$@"; }

start_primary() {
	if [ ! -f "$ROOT/primary/PG_VERSION" ]; then
		echo "initdb: the primary in $ROOT/primary (port $PRIMARY_PORT)"
		as_owner "$BIN/initdb" -D "$ROOT/primary" -U postgres --auth=trust -E UTF8 >/dev/null
		cat >>"$ROOT/primary/postgresql.conf" <<CONF
# make cluster-up (demo/cluster/cluster.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RUN'
shared_buffers = 256MB
jit = off
wal_level = replica
max_wal_senders = 5
CONF
		# 127.0.0.1 only: no socket or ::1 lines beyond initdb's, and trust for replication.
		printf 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n' \
			>"$ROOT/primary/pg_hba.conf"
	fi
	as_owner "$BIN/pg_ctl" -D "$ROOT/primary" -o "-p $PRIMARY_PORT" -l "$RUN/primary.log" -w status >/dev/null 2>&1 ||
		as_owner "$BIN/pg_ctl" -D "$ROOT/primary" -o "-p $PRIMARY_PORT" -l "$RUN/primary.log" -w start >/dev/null
	psql_at "$PRIMARY_PORT" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'" | grep -q 1 ||
		psql_at "$PRIMARY_PORT" -d postgres -c "CREATE DATABASE $DATABASE"
}

start_replica() {
	if [ ! -f "$ROOT/replica/PG_VERSION" ]; then
		echo "pg_basebackup: the replica in $ROOT/replica (port $REPLICA_PORT), streaming from $PRIMARY_PORT"
		as_owner "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$ROOT/replica" \
			--write-recovery-conf --wal-method=stream --checkpoint=fast
		# Long report queries are not cancelled by the primary's vacuum (the primary keeps
		# the rows they still see instead).
		printf 'hot_standby_feedback = on\n' >>"$ROOT/replica/postgresql.conf"
	fi
	as_owner "$BIN/pg_ctl" -D "$ROOT/replica" -o "-p $REPLICA_PORT" -l "$RUN/replica.log" -w status >/dev/null 2>&1 ||
		as_owner "$BIN/pg_ctl" -D "$ROOT/replica" -o "-p $REPLICA_PORT" -l "$RUN/replica.log" -w start >/dev/null
}

start_pooler() {
	mkdir -p "$ROOT/pgbouncer"
	cat >"$ROOT/pgbouncer/pgbouncer.ini" <<CONF
[databases]
* = host=127.0.0.1 port=$PRIMARY_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $POOLER_PORT
unix_socket_dir = $RUN
pidfile = $RUN/pgbouncer.pid
logfile = $RUN/pgbouncer.log
auth_type = trust
auth_file = $ROOT/pgbouncer/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
CONF
	printf '"postgres" ""\n' >"$ROOT/pgbouncer/userlist.txt"
	[ "$(id -u)" = 0 ] && chown -R postgres "$ROOT/pgbouncer"
	if ! { [ -f "$RUN/pgbouncer.pid" ] && kill -0 "$(cat "$RUN/pgbouncer.pid")" 2>/dev/null; }; then
		as_owner pgbouncer -d "$ROOT/pgbouncer/pgbouncer.ini"
	fi
}

up() {
	mkdir -p "$ROOT" "$RUN"
	[ "$(id -u)" = 0 ] && chown postgres "$ROOT" "$RUN"
	start_primary
	start_replica
	start_pooler
	status
	cat <<TEXT

The app through PgBouncer, reading report pages from the replica; the job worker direct:
  DATABASE_URL=postgres://postgres@127.0.0.1:$POOLER_PORT/$DATABASE DATABASE_POOLER=pgbouncer \\
  DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/$DATABASE \\
  JOBS_DATABASE_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT/$DATABASE
TEXT
}

down() {
	if [ -f "$RUN/pgbouncer.pid" ] && kill -0 "$(cat "$RUN/pgbouncer.pid")" 2>/dev/null; then
		kill "$(cat "$RUN/pgbouncer.pid")"
		echo "PgBouncer stopped"
	fi
	for node in replica primary; do
		if [ -f "$ROOT/$node/postmaster.pid" ]; then
			as_owner "$BIN/pg_ctl" -D "$ROOT/$node" -m fast -w stop >/dev/null && echo "The $node stopped"
		fi
	done
	echo "The data stays in $ROOT (delete it to start afresh)"
}

status() {
	echo "primary  127.0.0.1:$PRIMARY_PORT: $(psql_at "$PRIMARY_PORT" -d postgres -tAc "SELECT CASE WHEN pg_is_in_recovery() THEN 'in recovery' ELSE 'primary' END" 2>&1 || true)"
	echo "replica  127.0.0.1:$REPLICA_PORT: $(psql_at "$REPLICA_PORT" -d postgres -tAc "SELECT CASE WHEN pg_is_in_recovery() THEN 'streaming replica' ELSE 'NOT a replica' END" 2>&1 || true)"
	echo "pgbouncer 127.0.0.1:$POOLER_PORT: $(psql_at "$POOLER_PORT" -d "$DATABASE" -tAc "SELECT 'to ' || inet_server_port()" 2>&1 || true)"
	echo "replication: $(psql_at "$PRIMARY_PORT" -d postgres -tAc "SELECT string_agg(application_name || ' ' || state || ', replay lag ' || coalesce(replay_lag::text, '0'), '; ') FROM pg_stat_replication" 2>&1 || true)"
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
*) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
