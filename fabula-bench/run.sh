#!/usr/bin/env bash
# Runs the Fabula benchmarks (JMH) against Axon Framework, raw JDBC and raw NATS, then prints the tables.
#
#   fabula-bench/run.sh            full run: every workload, 3 rounds with the sides back to back
#                                  (about 50 min on 2 cores; manual)
#   fabula-bench/run.sh --smoke    tiny counts, 1 round, 1 short iteration each (CI: keeps them working);
#                                  first --ops over 10,000 events (a few seconds: the harness works)
#   fabula-bench/run.sh [--smoke] [--rounds N] [--out FILE] [JMH options, e.g. 'Append' -p side=axon]
#   fabula-bench/run.sh --timers [pending=10000] [probes=300] [spacingMs=50]
#                                  workflow timer precision on PostgreSQL (dev.fabula.bench.TimerPrecision,
#                                  a measured harness, not JMH; about a minute)
#   fabula-bench/run.sh --ops [events=10000000] [reps=50] [rounds=1] [only=console|export]
#                                  the console timeline's first page and `fabula export` against a raw
#                                  cursor read on PostgreSQL (dev.fabula.bench.OpsBench, issue 23; a
#                                  measured harness; fills schema bench_ops_<events> once, minutes for 10M)
#
# Builds target/benchmarks.jar when it is missing (or with FABULA_BENCH_BUILD=1), finds a
# JDK 21+ ($JAVA_HOME if it is one, else the newest under /usr/lib/jvm), makes sure the
# fabula_bench database exists and NATS answers, and runs dev.fabula.bench.BenchMain on that JDK.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/benchmarks.jar"

java="$("$root/mvnw" --java-home)/bin/java"

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1
}

if [[ ! -f "$jar" || "${FABULA_BENCH_BUILD:-0}" == "1" ]]; then
  (cd "$root" && ./mvnw -B -q -pl fabula-bench -am -DskipTests package)
fi

url="${FABULA_BENCH_POSTGRES_URL:-jdbc:postgresql://127.0.0.1:5432/fabula_bench?user=postgres}"
export FABULA_BENCH_POSTGRES_URL="$url"
# Create the database when the URL is the default local one (other URLs are the caller's).
if [[ "$url" == "jdbc:postgresql://127.0.0.1:5432/fabula_bench?user=postgres" ]]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "run.sh: PostgreSQL is not answering on 127.0.0.1:5432" >&2
    exit 1
  fi
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1 from pg_database where datname='fabula_bench'" | grep -q 1 \
    || createdb -h 127.0.0.1 -U postgres fabula_bench
fi

# NATS, for the NATS rows (fabula-bench/README.md). Without it their benchmarks fail with a
# message at set-up and read n/a, and a --smoke run fails; where backends are required (CI), stop now.
nats_url="${FABULA_BENCH_NATS_URL:-nats://127.0.0.1:4222}"
nats_host_port="${nats_url#*://}" nats_host_port="${nats_host_port%%,*}"
if ! (exec 3<>"/dev/tcp/${nats_host_port%:*}/${nats_host_port##*:}") 2>/dev/null; then
  if [[ "${FABULA_REQUIRE_BACKENDS:-}" == "true" ]]; then
    echo "run.sh: NATS is not answering on $nats_host_port (FABULA_REQUIRE_BACKENDS=true); start nats-server -js" >&2
    exit 1
  fi
  echo "run.sh: NATS is not answering on $nats_host_port: the NATS benchmarks will fail (start nats-server -js)" >&2
fi

jvm_flags=()
# JDK 24+ warns when JMH uses sun.misc.Unsafe; JMH's forks inherit this flag from this JVM.
if (( $(java_major "$java") >= 24 )); then
  jvm_flags+=(--sun-misc-unsafe-memory-access=allow)
fi

cd "$here"
echo "# java: $java"
if [[ "${1:-}" == "--timers" ]]; then
  shift
  exec "$java" -cp "$jar" dev.fabula.bench.TimerPrecision "$@"
fi
if [[ "${1:-}" == "--ops" ]]; then
  shift
  exec "$java" -cp "$jar" dev.fabula.bench.OpsBench "$@"
fi
if [[ "${1:-}" == "--smoke" ]]; then
  "$java" -cp "$jar" dev.fabula.bench.OpsBench events=10000 reps=3
fi
exec "$java" "${jvm_flags[@]}" -cp "$jar" dev.fabula.bench.BenchMain "$@"
