#!/usr/bin/env bash
# Makes a PostgreSQL server available for the tests on a Debian machine (no Docker needed) and prints the
# TEST_DATABASE_URL to use on stdout; everything else goes to stderr. Idempotent, and fast when the server is
# already running:
#
#   export TEST_DATABASE_URL="$(scripts/ci/postgres.sh)"
#
# Installs Debian's `postgresql` when the server binaries are missing, creates and starts a cluster when none
# runs, then creates the role and database below when absent. Needs root (or password-less sudo).
#
# Environment: ZKPOOL_PG_USER, ZKPOOL_PG_PASSWORD, ZKPOOL_PG_DATABASE (default zkpool / zkpool / zkpool_test).
set -euo pipefail

user="${ZKPOOL_PG_USER:-zkpool}"
password="${ZKPOOL_PG_PASSWORD:-zkpool}"
database="${ZKPOOL_PG_DATABASE:-zkpool_test}"

log() { echo "postgres.sh: $*" >&2; }
fail() {
  log "$*"
  exit 1
}

for name in "$user" "$database"; do
  [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || fail "'$name' is not a plain lower-case SQL name: choose another"
done
[[ "$password" =~ ^[A-Za-z0-9_.~-]+$ ]] || fail "ZKPOOL_PG_PASSWORD may only hold letters, digits and _ . ~ -"

if [[ "$(id -u)" -eq 0 ]]; then
  as_root() { "$@"; }
  as_postgres() { runuser -u postgres -- "$@"; }
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root() { sudo -n "$@"; }
  as_postgres() { sudo -n -u postgres "$@"; }
else
  fail "needs root or password-less sudo to install and start PostgreSQL; or set TEST_DATABASE_URL yourself"
fi

# The server: Debian's packages put it under /usr/lib/postgresql/<version>/bin.
if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || ! command -v pg_lsclusters >/dev/null; then
  log "PostgreSQL server not installed: apt-get install postgresql (a minute or so)"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq >&2 || fail "apt-get update failed: is Debian's package mirror reachable?"
  as_root apt-get install -y -qq -o Dpkg::Use-Pty=0 postgresql >&2 || fail "apt-get install postgresql failed"
fi

# The cluster: the first one listed (Debian creates <version>/main when it installs the server).
cluster="$(pg_lsclusters --no-header 2>/dev/null | head -n 1 || true)"
if [[ -z "$cluster" ]]; then
  version="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)"
  log "no PostgreSQL cluster: creating $version/main"
  as_root pg_createcluster "$version" main >&2 || fail "pg_createcluster $version main failed"
  cluster="$(pg_lsclusters --no-header | head -n 1)"
fi
read -r version name port status _ <<<"$cluster"
if [[ "$status" != online* ]]; then
  log "starting cluster $version/$name on port $port"
  as_root pg_ctlcluster "$version" "$name" start >&2 ||
    fail "pg_ctlcluster $version $name start failed: see /var/log/postgresql/postgresql-$version-$name.log"
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$port" || fail "PostgreSQL $version/$name does not answer on 127.0.0.1:$port"

psql_admin() { as_postgres psql -p "$port" -X -q -v ON_ERROR_STOP=1 -tA "$@"; }

# The role and the database, owned by the role so that the tests can create and drop their own schemas.
if [[ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$user'")" != "1" ]]; then
  log "creating role $user"
  psql_admin -c "CREATE ROLE $user LOGIN PASSWORD '$password'" >&2
elif ! PGCONNECT_TIMEOUT=5 PGPASSWORD="$password" psql -h 127.0.0.1 -p "$port" -U "$user" -d postgres -X -q -tA \
  -c "SELECT 1" >/dev/null 2>&1; then
  log "role $user exists but cannot log in with the expected password: resetting it"
  psql_admin -c "ALTER ROLE $user LOGIN PASSWORD '$password'" >&2
fi
if [[ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" != "1" ]]; then
  log "creating database $database"
  psql_admin -c "CREATE DATABASE $database OWNER $user" >&2
fi

url="postgres://$user:$password@127.0.0.1:$port/$database"
PGCONNECT_TIMEOUT=5 psql "$url" -X -q -tA -c "SELECT 1" >/dev/null ||
  fail "cannot log in as $user to $database on 127.0.0.1:$port (wrong password? pg_hba.conf?)"
echo "$url"
