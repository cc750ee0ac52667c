#!/usr/bin/env bash
# A throwaway PostgreSQL on loopback for tests and local cluster mode.
#   local-postgres.sh start <dir> [port]   initdb into <dir> (if new), start, print the connection string
#   local-postgres.sh stop  <dir>          stop the server whose data lives in <dir>
# Runs the server as the unprivileged user 'postgres' (created if missing) when called as root.
# Installs Debian's postgresql package when no server binaries are found.
set -euo pipefail

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; }

find_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  local candidate
  for candidate in /usr/lib/postgresql/*/bin/"$name"; do
    [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
  return 1
}

ensure_binaries() {
  if ! find_bin initdb >/dev/null || ! find_bin pg_ctl >/dev/null; then
    echo "local-postgres: PostgreSQL server binaries not found; installing Debian's postgresql package" >&2
    if [ "$(id -u)" -ne 0 ]; then echo "local-postgres: need root to apt-get install postgresql" >&2; exit 1; fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    # Debian's package starts its own cluster on 5432; we do not use it.
  fi
  INITDB=$(find_bin initdb)
  PG_CTL=$(find_bin pg_ctl)
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    # From /: the caller's directory (a clone in a 0700 directory, say) may be closed to postgres.
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

free_port() {
  python3 - <<'PY' 2>/dev/null || echo 55432
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

cmd=${1:-}; dir=${2:-}
case "$cmd" in
  -h|--help|"") usage; exit 0 ;;
esac
[ -n "$dir" ] || { usage >&2; exit 2; }
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac   # the server runs from /, so paths must be absolute

case "$cmd" in
  start)
    ensure_binaries
    port=${3:-$(free_port)}
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && { id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres; chown postgres "$dir"; }
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$INITDB" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    as_owner "$PG_CTL" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c fsync=off -c max_connections=200" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
    ;;
  stop)
    ensure_binaries
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$PG_CTL" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  *) usage >&2; exit 2 ;;
esac
