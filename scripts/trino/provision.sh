#!/usr/bin/env bash
# Provision a single-node Trino for the Athena conformance suite (test/conformance/), once:
# trino-server-core (tar.gz) plus the Hive plugin (zip) from Maven Central, unpacked into a
# cache folder that later runs (and .ci/run) reuse. Prints the Trino home on stdout.
#
# Why 476: it is the newest release whose server and plugin archives are on Maven Central
# (from 477 on they are published only as GitHub release assets, which this machine cannot
# reach). 476 needs Java 24+, so a JDK >= 24 is looked up below (Temurin 25 here).
#
# Env: FLOWWATCH_TRINO_VERSION (default 476), FLOWWATCH_CACHE_DIR (default ~/.cache/flowwatch),
#      FLOWWATCH_TRINO_JAVA_HOME (a JDK to use instead of searching /usr/lib/jvm).
set -euo pipefail

version="${FLOWWATCH_TRINO_VERSION:-476}"
cache="${FLOWWATCH_CACHE_DIR:-$HOME/.cache/flowwatch}"
home="$cache/trino-$version"
min_java=24

log() { echo "trino-provision: $*" >&2; }

java_major() {
  # Prints the feature version of "$1/bin/java" (e.g. 25), or nothing if it does not run.
  "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}

find_java() {
  local c m
  for c in "${FLOWWATCH_TRINO_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
    m="$(java_major "$c")"
    if [ -n "$m" ] && [ "$m" -ge "$min_java" ]; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

if [ -f "$home/.provisioned" ]; then
  echo "$home"
  exit 0
fi

java_home="$(find_java)" || {
  log "Trino $version needs Java $min_java or newer; none found in FLOWWATCH_TRINO_JAVA_HOME, JAVA_HOME or /usr/lib/jvm"
  exit 1
}
command -v mvn >/dev/null || { log "mvn is needed to fetch Trino from Maven Central (apt-get install maven)"; exit 1; }

repo="$(mvn -q -B help:evaluate -Dexpression=settings.localRepository -DforceStdout 2>/dev/null || true)"
[ -d "$repo" ] || repo="$HOME/.m2/repository"

fetch() {
  # $1 = artifactId, $2 = packaging; dependency:get resolves into the local Maven repository.
  local file="$repo/io/trino/$1/$version/$1-$version.$2"
  if [ ! -f "$file" ]; then
    log "downloading io.trino:$1:$version:$2 from Maven Central"
    mvn -q -B dependency:get -Dartifact="io.trino:$1:$version:$2" -Dtransitive=false >&2
  fi
  [ -f "$file" ] || { log "io.trino:$1:$version:$2 did not land at $file"; exit 1; }
  echo "$file"
}

server_tgz="$(fetch trino-server-core tar.gz)"
hive_zip="$(fetch trino-hive zip)"

tmp="$(mktemp -d "$cache/.trino-$version.XXXXXX" 2>/dev/null || { mkdir -p "$cache" && mktemp -d "$cache/.trino-$version.XXXXXX"; })"
trap 'rm -rf "$tmp"' EXIT
log "unpacking into $home"
tar -xzf "$server_tgz" -C "$tmp"
mv "$tmp/trino-server-core-$version" "$tmp/home"
# Keep the server lean: only the Hive connector is installed; the core tarball's optional
# plugins (python functions, spooling, ...) are not needed by the suite and slow startup.
rm -rf "$tmp/home/plugin"/*
# unzip where present, else Python's zipfile (python3 is on every machine this runs on).
(cd "$tmp" && { if command -v unzip >/dev/null; then unzip -q "$hive_zip"; else python3 -m zipfile -e "$hive_zip" .; fi; } &&
  mv "trino-hive-$version" "home/plugin/hive")
echo "$java_home" >"$tmp/home/.java-home"
touch "$tmp/home/.provisioned"
rm -rf "$home"
mv "$tmp/home" "$home"
log "provisioned Trino $version (java: $java_home)"
echo "$home"
