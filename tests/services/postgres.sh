#!/usr/bin/env bash
# The PostgreSQL server the tests use (127.0.0.1:5432, user postgres without a password, database test):
# started when installed and down, installed from Debian's packages when absent, set up when new.
set -euo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
ready && exit 0
if ! command -v pg_ctlcluster >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q postgresql >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null; }
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    pg_createcluster "$version" main >/dev/null
fi
hba=/etc/postgresql/$version/main/pg_hba.conf
grep -q "erpflow tests" "$hba" || sed -i "1i host all all 127.0.0.1/32 trust # erpflow tests\nlocal all all trust # erpflow tests" "$hba"
pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster --skip-systemctl-redirect "$version" main reload
for _ in $(seq 1 30); do ready && break; sleep 1; done
ready || { echo "PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE test"
