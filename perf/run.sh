#!/usr/bin/env bash
# Relay measurement harness (issue 5). From the repository root:
#   perf/run.sh                      # all three targets, 3 interleaved rounds: latency 64/1200 B + throughput search
#   ROUNDS=5 perf/run.sh
#   FIRST_ROUND=4 ROUNDS=2 LOAD_ARGS=--no-tput perf/run.sh   # two more latency-only rounds, appended
#   TARGETS="ours floor" perf/run.sh # a subset
#   LOAD_ARGS="--runs 1 --lat-seconds 2" perf/run.sh
#   perf/run.sh soak 60 20000        # 60 s one-way load at 20000/s against our server, -Xlog:gc count
#   perf/run.sh jfr 20 40000         # JFR profile of our server under 20 s of one-way load
# Targets run pinned to core 0 (taskset -c 0), the load generator to core 1 (taskset -c 1).
# Results: perf/results/*.hgrm (HdrHistogram percentile output, microseconds) and perf/results/*.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JAVA=${JAVA:-java}
OPENS="--add-opens java.base/com.sun.crypto.provider=ALL-UNNAMED"
OUT=${OUT:-$ROOT/perf/results}
TARGETS=${TARGETS:-"floor peer ours"}
LOAD_ARGS=${LOAD_ARGS:-}
TARGET_JVM_ARGS=${TARGET_JVM_ARGS:-} # extra JVM flags for every target, e.g. -Xmx1g
OURS_ARGS=${OURS_ARGS:-} # extra command-line options for our server, e.g. "--retry never"
PEER_ARGS=${PEER_ARGS:-} # extra options for QuicheRelay, e.g. "--retry --idle-timeout-ms 300000"
TARGET_CPU=${TARGET_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
PORT=${PORT:-47443}
CONNECTOR_PORT=${CONNECTOR_PORT:-47444}
mkdir -p "$OUT"

if [[ ! -f target/intermediate-server.jar || ${REBUILD:-0} == 1 ]]; then
  mvn -B -q package -DskipTests
fi
if [[ ! -f target/perf.classpath || ${REBUILD:-0} == 1 || ! -f target/test-classes/dev/ztna/server/perf/RelayLoad.class ]]; then
  mvn -B -q -Pperf test-compile dependency:build-classpath -Dmdep.outputFile=target/perf.classpath
fi
CP="target/classes:target/test-classes:$(cat target/perf.classpath)"

TARGET_PID=
WORKDIR=$(mktemp -d)
# Our server signs with ECDSA P-256, like the quiche peer (without this it would generate an RSA
# 2048 development certificate, which makes each handshake's signature ~1 ms slower).
mkdir -p "$WORKDIR/certs"
"$JAVA" -cp "$CP" dev.ztna.server.perf.PerfCert "$WORKDIR/certs/cert.pem" "$WORKDIR/certs/key.pem"
cleanup() {
  if [[ -n "$TARGET_PID" ]]; then kill "$TARGET_PID" 2>/dev/null || true; wait "$TARGET_PID" 2>/dev/null || true; fi
  rm -rf "$WORKDIR"
}
trap cleanup EXIT

# start_target NAME [extra JVM flags...]: starts the target on core $TARGET_CPU, sets TARGET_PID.
start_target() {
  local name=$1; shift
  set -- $TARGET_JVM_ARGS "$@"
  case "$name" in
    ours|ours-backoff)
      local idle=busy-spin
      if [[ $name == ours-backoff ]]; then idle=backoff; fi
      # Every load generator connects from 127.0.0.1: the per-address caps (issue 9 limits)
      # would refuse the 10k idle connections, so the perf runs turn them off.
      printf '[limits]\nmax_connections_per_ip = 0\nmax_half_open_per_ip = 0\nmax_half_open = 0\n' \
        >"$WORKDIR/perf-limits.toml"
      (cd "$WORKDIR" && exec taskset -c "$TARGET_CPU" "$JAVA" "$@" $OPENS -jar "$ROOT/target/intermediate-server.jar" \
        --config "$WORKDIR/perf-limits.toml" --listen "127.0.0.1:$PORT" --idle-strategy "$idle" $OURS_ARGS) \
        > >(head -c "${LOG_CAP_BYTES:-20000000}" >"$OUT/target-$name.log") 2>&1 &
      ;;
    peer)
      taskset -c "$TARGET_CPU" "$JAVA" "$@" $OPENS -cp "$CP" dev.ztna.server.perf.QuicheRelay "$PORT" $PEER_ARGS \
        >"$OUT/target-peer.log" 2>&1 &
      ;;
    floor)
      taskset -c "$TARGET_CPU" "$JAVA" "$@" -cp "$CP" dev.ztna.server.perf.FloorForwarder "$PORT" "$CONNECTOR_PORT" \
        >"$OUT/target-floor.log" 2>&1 &
      ;;
    *) echo "unknown target $name" >&2; exit 2 ;;
  esac
  TARGET_PID=$!
  sleep "${TARGET_STARTUP_SECONDS:-4}"
}

stop_target() {
  if [[ -n "$TARGET_PID" ]]; then kill "$TARGET_PID" 2>/dev/null || true; wait "$TARGET_PID" 2>/dev/null || true; fi
  TARGET_PID=
}

load() {
  taskset -c "$LOAD_CPU" "$JAVA" $OPENS -cp "$CP" dev.ztna.server.perf.RelayLoad "$@"
}

# Scenario libraries: each perf/lib/NAME.sh defines scenario_NAME (called as `perf/run.sh NAME ARGS...`)
# and may use start_target/stop_target/load, $OUT, $CP, $JAVA, $OPENS, $PORT, $CONNECTOR_PORT, $WORKDIR.
for lib in perf/lib/*.sh; do
  # shellcheck source=/dev/null
  [[ -f $lib ]] && source "$lib"
done

echo "# machine: nproc=$(nproc) cpu='$(lscpu | sed -n 's/^Model name: *//p')' jdk='$("$JAVA" -version 2>&1 | sed -n 2p)'"
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"

case "${1:-all}" in
  soak)
    secs=${2:-60}; rate=${3:-20000}
    jdk=$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
    gclog="$OUT/gc-ours-jdk$jdk-${secs}s-${rate}.log"
    OURS_ARGS="$OURS_ARGS --stats-interval-ms 5000" start_target ours "-Xlog:gc:file=$gclog"
    load ours "$PORT" "$CONNECTOR_PORT" "$OUT" --soak "$secs" "$rate" | tee "$OUT/soak-ours-jdk$jdk.txt"
    stop_target
    echo "GC pauses in $gclog (whole process life, incl. start-up and handshakes): $(grep -c 'Pause' "$gclog" || true)" \
      | tee -a "$OUT/soak-ours-jdk$jdk.txt"
    cp "$OUT/target-ours.log" "$OUT/soak-ours-jdk$jdk-server.log"
    python3 perf/stats_delta.py "$OUT/soak-ours-jdk$jdk-server.log" \
      relayed_agent_to_connector_datagrams relayed_connector_to_agent_datagrams | tee -a "$OUT/soak-ours-jdk$jdk.txt"
    ;;
  jfr)
    secs=${2:-20}; rate=${3:-40000}
    start_target ours "-XX:StartFlightRecording=filename=$WORKDIR/ours.jfr,settings=profile"
    load ours "$PORT" "$CONNECTOR_PORT" "$OUT" --soak "$secs" "$rate" | tee "$OUT/jfr-load.txt"
    stop_target
    sleep 1
    # `jfr view` needs JDK 21+; it reads JDK 17 recordings.
    JFR=${JFR:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/jfr}
    "$JFR" view --width 160 hot-methods "$WORKDIR/ours.jfr" | tee "$OUT/jfr-hot-methods.txt"
    "$JFR" view --width 160 allocation-by-site "$WORKDIR/ours.jfr" | tee "$OUT/jfr-allocation-by-site.txt" || true
    "$JFR" view --width 160 gc "$WORKDIR/ours.jfr" | tee "$OUT/jfr-gc.txt" || true
    ;;
  all)
    # Rounds interleave the targets in time (floor, peer, ours, floor, ...), one run per target per
    # round, so that the machine's changing background load hits all three alike; the medians are
    # taken over the rounds by perf/summarize.py.
    ROUNDS=${ROUNDS:-3}
    FIRST_ROUND=${FIRST_ROUND:-1} # > 1 appends more rounds to an earlier run's summaries
    if [[ $FIRST_ROUND == 1 ]]; then for t in $TARGETS; do : >"$OUT/summary-$t.txt"; done; fi
    for r in $(seq "$FIRST_ROUND" $((FIRST_ROUND + ROUNDS - 1))); do
      for t in $TARGETS; do
        echo "## round $r target $t (load average $(cut -d' ' -f1-3 /proc/loadavg))"
        start_target "$t"
        load "$t" "$PORT" "$CONNECTOR_PORT" "$OUT" --runs 1 --run-index $((r - 1)) $LOAD_ARGS \
          | tee -a "$OUT/summary-$t.txt"
        stop_target
      done
    done
    python3 perf/summarize.py "$OUT" | tee "$OUT/tables.md"
    ;;
  *)
    if declare -F "scenario_$1" >/dev/null; then
      name=$1; shift
      "scenario_$name" "$@"
    else
      echo "usage: perf/run.sh [all|soak SECONDS RATE|jfr SECONDS RATE|$(ls perf/lib 2>/dev/null | sed 's/\.sh$//' | paste -sd'|')]" >&2
      exit 2
    fi
    ;;
esac
