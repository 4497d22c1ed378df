#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store's tests, on 127.0.0.1 only.
#   bash scripts/postgres.sh start DIR   -> installs Debian's postgresql if missing (as root), makes a
#                                           cluster in DIR, starts it on a free port, prints its URL
#   bash scripts/postgres.sh stop DIR    -> stops it (DIR can then be removed)
# As root, initdb and the server run as the `postgres` user (runuser); otherwise as the caller.
set -euo pipefail
# runuser, and dpkg under apt-get, live in sbin, which a minimal PATH (cron, env -i) leaves out.
export PATH="$PATH:/usr/sbin:/sbin"
action=${1:?start or stop}
dir=${2:?data folder}

pg_bin() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
  start)
    bin=$(pg_bin || true)
    if [ -z "$bin" ]; then
      if [ "$(id -u)" != 0 ]; then
        echo "PostgreSQL is not installed (sudo apt-get install postgresql)" >&2
        exit 1
      fi
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      bin=$(pg_bin)
    fi
    mkdir -p "$dir"
    chmod 700 "$dir"
    if [ "$(id -u)" = 0 ]; then
      chown postgres: "$dir"
      if ! runuser -u postgres -- test -w "$dir"; then
        echo "the postgres user cannot reach $dir: make its parent folders traversable (chmod 755)" >&2
        exit 1
      fi
    fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale --no-instructions >/dev/null
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$dir' -c fsync=on" start >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    bin=$(pg_bin || true)
    if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
