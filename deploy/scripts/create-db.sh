#!/usr/bin/env bash
# Create the FleetProfiler PostgreSQL database (if missing) and apply every
# deploy/sql/*.sql file to it in lexical order. Safe to re-run: the SQL files are
# idempotent. See --help.
set -euo pipefail

SCRIPT_NAME="$(basename -- "${BASH_SOURCE[0]}")"
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
SQL_DIR_DEFAULT="$(cd -- "${SCRIPT_DIR}/../sql" 2>/dev/null && pwd -P || true)"

usage() {
    cat <<EOF
Usage: ${SCRIPT_NAME} [options] [DBNAME]

Creates the PostgreSQL database DBNAME (default: fleetprofiler) when it does not
exist yet, then applies every *.sql file in deploy/sql in lexical order
(00-..., 01-..., 10-...), each file in its own transaction with ON_ERROR_STOP.
All files are written to be re-applied safely, so running this again is fine.

Connection settings come from the usual libpq environment variables
(PGHOST, PGPORT, PGUSER, PGPASSWORD or ~/.pgpass, PGSSLMODE, ...) and can be
overridden with the options below.

Options:
  -h, --host HOST           server host or unix-socket directory   (env PGHOST)
  -p, --port PORT           server port                            (env PGPORT)
  -U, --user USER           role to connect as                     (env PGUSER)
  -m, --maintenance-db DB   database used to check/create DBNAME (default: postgres,
                            env PGMAINTENANCE_DB)
      --sql-dir DIR         directory with the *.sql files (default: ${SQL_DIR_DEFAULT:-<script dir>/../sql})
      --skip-create         do not try to create DBNAME, only apply the files
      --help                show this help and exit

Environment: VERBOSE=1 also prints server notices (e.g. "already exists, skipping").

Examples:
  PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres ${SCRIPT_NAME}
  ${SCRIPT_NAME} -h db.internal -U fleet fleetprofiler_test
EOF
}

die() {
    printf '%s: error: %s\n' "${SCRIPT_NAME}" "$*" >&2
    exit 1
}

info() {
    printf '%s: %s\n' "${SCRIPT_NAME}" "$*"
}

DBNAME="fleetprofiler"
MAINT_DB="${PGMAINTENANCE_DB:-postgres}"
SQL_DIR="${SQL_DIR_DEFAULT}"
SKIP_CREATE=0
DBNAME_SET=0

need_value() {
    [[ $# -ge 2 && -n "$2" ]] || die "option $1 needs a value (see --help)"
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --help)              usage; exit 0 ;;
        -h|--host)           need_value "$@"; export PGHOST="$2"; shift 2 ;;
        -p|--port)           need_value "$@"; export PGPORT="$2"; shift 2 ;;
        -U|--user)           need_value "$@"; export PGUSER="$2"; shift 2 ;;
        -m|--maintenance-db) need_value "$@"; MAINT_DB="$2"; shift 2 ;;
        --sql-dir)           need_value "$@"; SQL_DIR="$2"; shift 2 ;;
        --skip-create)       SKIP_CREATE=1; shift ;;
        --)                  shift; break ;;
        -*)                  die "unknown option: $1 (see --help)" ;;
        *)
            [[ ${DBNAME_SET} -eq 0 ]] || die "more than one database name given: '${DBNAME}' and '$1'"
            DBNAME="$1"; DBNAME_SET=1; shift ;;
    esac
done
if [[ $# -gt 0 ]]; then
    [[ ${DBNAME_SET} -eq 0 && $# -eq 1 ]] || die "unexpected arguments: $*"
    DBNAME="$1"
fi
[[ -n "${DBNAME}" ]] || die "database name must not be empty"

command -v psql >/dev/null 2>&1 \
    || die "psql not found in PATH (install the PostgreSQL client, e.g. apt-get install postgresql-client)"

[[ -n "${SQL_DIR}" && -d "${SQL_DIR}" ]] || die "SQL directory not found: '${SQL_DIR:-${SCRIPT_DIR}/../sql}'"

# Lexical order independent of the caller's locale.
shopt -s nullglob
export LC_ALL=C
sql_files=("${SQL_DIR}"/*.sql)
[[ ${#sql_files[@]} -gt 0 ]] || die "no *.sql files in ${SQL_DIR}"

# -X: ignore ~/.psqlrc so output and behaviour are predictable.
PSQL=(psql -X -v ON_ERROR_STOP=1 --no-password)
target="${PGUSER:-<default user>}@${PGHOST:-<local socket>}:${PGPORT:-5432}"

if [[ ${SKIP_CREATE} -eq 0 ]]; then
    # psql only substitutes :'var' in script input, not in -c, hence the here-docs.
    if ! exists="$("${PSQL[@]}" -qtA -d "${MAINT_DB}" -v dbname="${DBNAME}" 2>&1 <<'SQL'
SELECT count(*) FROM pg_database WHERE datname = :'dbname';
SQL
    )"; then
        die "cannot connect to maintenance database '${MAINT_DB}' as ${target}:
${exists}
Check PGHOST/PGPORT/PGUSER/PGPASSWORD, or use --maintenance-db / --skip-create."
    fi
    if [[ "${exists}" == "0" ]]; then
        info "creating database '${DBNAME}' on ${target}"
        if ! out="$("${PSQL[@]}" -q -d "${MAINT_DB}" -v dbname="${DBNAME}" 2>&1 <<'SQL'
CREATE DATABASE :"dbname" ENCODING 'UTF8' TEMPLATE template0;
SQL
        )"; then
            die "could not create database '${DBNAME}' (does ${PGUSER:-the role} have CREATEDB?):
${out}"
        fi
    else
        info "database '${DBNAME}' already exists on ${target}"
    fi
fi

for f in "${sql_files[@]}"; do
    info "applying $(basename -- "${f}")"
    if ! out="$("${PSQL[@]}" -q --single-transaction -d "${DBNAME}" -f "${f}" 2>&1)"; then
        die "failed to apply ${f} to database '${DBNAME}' (the file was rolled back):
${out}"
    fi
    # Surface server notices (e.g. "already exists, skipping") only when verbose.
    if [[ -n "${out}" && -n "${VERBOSE:-}" ]]; then
        printf '%s\n' "${out}"
    fi
done

info "done: ${#sql_files[@]} file(s) applied to '${DBNAME}'"
