#!/usr/bin/env bash
# Runs a command with TEST_DATABASE_URL in its environment: the one already set, or else the URL of the local
# PostgreSQL that scripts/ci/postgres.sh installs and starts when needed.
#
#   scripts/ci/with-postgres.sh mocha 'test/**/*.test.ts'
set -euo pipefail

if [[ -z "${TEST_DATABASE_URL:-}" ]]; then
  TEST_DATABASE_URL="$("$(dirname "${BASH_SOURCE[0]}")/postgres.sh")"
  export TEST_DATABASE_URL
fi
exec "$@"
