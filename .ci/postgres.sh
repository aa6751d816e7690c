#!/usr/bin/env bash
# Installs what the bank's PostgreSQL tests need, for .ci/run (as root, on
# Debian). The tests then start and stop a throwaway cluster themselves
# (initdb into a temporary folder, pg_ctl on a free port of 127.0.0.1, run
# as the postgres user when the tests run as root). Under CI=true a missing
# server fails the tests instead of skipping them.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
# The Debian package starts its own cluster; the tests do not need it.
if command -v pg_lsclusters >/dev/null 2>&1; then
	pg_lsclusters --no-header 2>/dev/null | while read -r ver name _; do
		pg_ctlcluster "$ver" "$name" stop 2>/dev/null || true
	done
fi
ls /usr/lib/postgresql/*/bin/initdb
id postgres
