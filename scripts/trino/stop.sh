#!/usr/bin/env bash
# Stop the Trino that start.sh started in RUN_DIR (by its pid file only); no-op when not running.
set -euo pipefail
run_dir="${1:?usage: stop.sh RUN_DIR}"
pid_file="$run_dir/var/pid"
[ -f "$pid_file" ] || exit 0
pid="$(cat "$pid_file")"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "trino-stop: pid $pid ignored SIGTERM for 30 s, sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
fi
rm -f "$pid_file" "$run_dir/url"
