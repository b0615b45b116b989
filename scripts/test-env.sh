#!/usr/bin/env bash
# Prepares a machine to run `make test`: npm dependencies, the Debian packages the
# integration suites use, and a reachable PostgreSQL. Idempotent; prints what it does.
# On success the last line of stdout is the PostgreSQL URL the tests should use.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "[test-env] $*" >&2; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

# 1. npm dependencies (exactly as locked).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund >&2
fi

# 2. Debian packages the suites drive for real. Each line: command-to-probe package.
need=()
while read -r probe pkg; do
  [ -z "$probe" ] && continue
  case "$probe" in \#*) continue ;; esac
  command -v "$probe" >/dev/null 2>&1 || need+=("$pkg")
done < scripts/apt-packages.txt
if [ "${#need[@]}" -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2 || true
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# 3. PostgreSQL: use TEST_DATABASE_URL / DATABASE_URL if one answers, else the local server.
url="${TEST_DATABASE_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}}"
pg_ok() { psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }
if ! pg_ok "$url"; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "installing postgresql"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >&2 || true
    $SUDO apt-get install -y -qq --no-install-recommends postgresql postgresql-client >&2
  fi
  ver=$(ls /etc/postgresql | sort -V | tail -n 1)
  if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    log "starting PostgreSQL $ver"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 || $SUDO pg_ctlcluster "$ver" main start >&2
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  if ! pg_ok "$url"; then
    # A stock Debian server: give the postgres role a password for TCP and create `test`.
    log "preparing role and database for tests"
    $SUDO -u postgres psql -qc "ALTER USER postgres PASSWORD 'postgres'" >&2 2>/dev/null || su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >&2
    ( $SUDO -u postgres createdb test 2>/dev/null || su postgres -c "createdb test" 2>/dev/null ) || true
    url="postgres://postgres:postgres@127.0.0.1:5432/test"
  fi
  pg_ok "$url" || { log "PostgreSQL is still not reachable at $url"; exit 1; }
fi
log "PostgreSQL ready"
echo "$url"
