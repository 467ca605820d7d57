#!/usr/bin/env bash
# Start a single-node Trino on 127.0.0.1 (a free port) with one catalog, `hive`: the Hive
# connector over a FILE metastore and the native local file system, Athena-style partition
# projection on. Everything it writes lives under RUN_DIR:
#   RUN_DIR/etc        generated config        RUN_DIR/fs        the local:/// root (data + metastore)
#   RUN_DIR/var        node data, logs         RUN_DIR/url       http://127.0.0.1:PORT once it serves
# Usage: start.sh RUN_DIR [TRINO_HOME]   (TRINO_HOME defaults to provision.sh's output)
# Env: FLOWWATCH_TRINO_HEAP (default 1G), FLOWWATCH_TRINO_START_TIMEOUT seconds (default 180).
set -euo pipefail

run_dir="${1:?usage: start.sh RUN_DIR [TRINO_HOME]}"
here="$(cd "$(dirname "$0")" && pwd)"
trino_home="${2:-$("$here/provision.sh")}"
heap="${FLOWWATCH_TRINO_HEAP:-1G}"
timeout="${FLOWWATCH_TRINO_START_TIMEOUT:-180}"

log() { echo "trino-start: $*" >&2; }

[ -f "$trino_home/.provisioned" ] || { log "$trino_home is not a provisioned Trino (run provision.sh)"; exit 1; }
java_home="$(cat "$trino_home/.java-home")"
mkdir -p "$run_dir"
run_dir="$(cd "$run_dir" && pwd)"
if [ -f "$run_dir/var/pid" ] && kill -0 "$(cat "$run_dir/var/pid")" 2>/dev/null; then
  log "already running (pid $(cat "$run_dir/var/pid")), stop it first: stop.sh $run_dir"
  exit 1
fi
rm -f "$run_dir/url"
mkdir -p "$run_dir/etc/catalog" "$run_dir/var/log" "$run_dir/fs/metastore"

# A free port: bind port 0 and read back what the kernel chose (small race, acceptable in tests).
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"

cat >"$run_dir/etc/node.properties" <<CFG
node.environment=flowwatch_conformance
node.id=flowwatch-conformance
node.data-dir=$run_dir/var
node.bind-ip=127.0.0.1
node.internal-address=127.0.0.1
CFG

# Small heap and few threads: the machine has 2 cores shared with other work.
cat >"$run_dir/etc/jvm.config" <<CFG
-server
-Xmx$heap
-XX:+UseSerialGC
-XX:+ExitOnOutOfMemoryError
-XX:TieredStopAtLevel=1
-XX:ReservedCodeCacheSize=256M
-Djdk.attach.allowAttachSelf=true
-Dfile.encoding=UTF-8
-Duser.timezone=UTC
CFG

cat >"$run_dir/etc/config.properties" <<CFG
coordinator=true
node-scheduler.include-coordinator=true
http-server.http.port=$port
discovery.uri=http://127.0.0.1:$port
query.max-memory=512MB
query.max-memory-per-node=512MB
task.concurrency=2
task.max-worker-threads=4
http-server.threads.max=50
# Prepared statements travel in a request header (X-Trino-Prepared-Statement).
http-server.max-request-header-size=2MB
CFG

cat >"$run_dir/etc/log.properties" <<CFG
io.trino=WARN
io.airlift=WARN
CFG

cat >"$run_dir/etc/catalog/hive.properties" <<CFG
connector.name=hive
hive.metastore=file
hive.metastore.catalog.dir=local:///metastore
fs.native-local.enabled=true
local.location=$run_dir/fs
hive.partition-projection-enabled=true
# On S3 a projected partition with no objects is simply empty; on a local disk its folder is
# missing, which Trino treats as an error unless told to skip it (Athena's behaviour).
hive.ignore-absent-partitions=true
hive.non-managed-table-writes-enabled=false
CFG

started=$(date +%s%N)
JAVA_HOME="$java_home" PATH="$java_home/bin:$PATH" "$trino_home/bin/launcher" start \
  --etc-dir "$run_dir/etc" --data-dir "$run_dir/var" --pid-file "$run_dir/var/pid" \
  --launcher-log-file "$run_dir/var/log/launcher.log" --server-log-file "$run_dir/var/log/server.log" >&2

url="http://127.0.0.1:$port"
deadline=$(($(date +%s) + timeout))
until curl -sf "$url/v1/info" 2>/dev/null | grep -q '"starting":false'; do
  if ! kill -0 "$(cat "$run_dir/var/pid" 2>/dev/null || echo 0)" 2>/dev/null; then
    log "Trino exited during startup; last lines of $run_dir/var/log/launcher.log and server.log:"
    tail -n 40 "$run_dir/var/log/launcher.log" "$run_dir/var/log/server.log" >&2 2>/dev/null || true
    exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "Trino did not become ready within ${timeout}s; see $run_dir/var/log/server.log"
    "$here/stop.sh" "$run_dir" || true
    exit 1
  fi
  sleep 0.5
done
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
echo "$url" >"$run_dir/url"
echo "$elapsed_ms" >"$run_dir/startup-ms"
log "Trino ready at $url in ${elapsed_ms} ms (run dir $run_dir)"
echo "$url"
