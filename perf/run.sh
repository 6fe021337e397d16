#!/usr/bin/env bash
# The relay measurement harness (issues 5 and 13): one entry script, one function per scenario.
# `perf/run.sh --help` lists every scenario and flag; perf/RESULTS.md has the command of each table.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

usage() {
  cat <<'EOF'
Usage: perf/run.sh SCENARIO [FLAGS...]      (from anywhere; it works in the repository root)

Three targets, each pinned to core --target-cpu with taskset, load on core --load-cpu:
  ours   this server (target/intermediate-server.jar, ECDSA P-256 certificate, busy-spin, Retry on)
  floor  FloorForwarder: a plain UDP forwarder; the Connector is a quiche server in the load process
  peer   QuicheRelay: the ztna-v1 rules on quiche via Netty's QUIC server codec

Scenarios:
  relay      latency ping-pong (64 B, 1200 B; HdrHistogram) and the throughput search (one way and
             both ways), --rounds interleaved rounds over --targets; tables by perf/summarize.py
  idle       N idle connections (--counts, 0 is added as the baseline) plus one measured pair:
             heap (jcmd GC.heap_info), RSS and fds of the target, then the pair's latency;
             tables by perf/idle_table.py. 100k needs the limits in README "Performance"
  handshake  handshakes/s with Retry + ECDSA P-256 at --concurrency in flight (HandshakeLoad)
  flood      Retry responses/s under a raw UDP Initial flood (InitialFlood), plus loop-thread bytes
             per Retry over --alloc-retries Retries (ours)
  soak       one-way load at --rate for --seconds against ours with -Xlog:gc: GC count and
             loop-thread bytes per relayed datagram (perf/stats_delta.py)
  jfr        JFR profile of ours under --seconds of one-way load at --rate (needs a JDK 21+ `jfr`)
  jmh        JMH micro-benchmarks with the gc profiler; arguments after the flags are benchmark regexes
  full       every table of perf/RESULTS.md: the --steps below in order (about an hour on 2 cores)

Common flags (default in brackets):
  --out DIR              results directory [perf/results]
  --java PATH            java for every JVM, targets and load [java on the PATH]
  --targets "T..."       targets [floor peer ours]
  --rounds N             rounds per target (relay, idle, handshake, flood) [3]
  --port P               the target's UDP port [47443]
  --connector-port P     the floor's Connector (quiche server in the load process) [47444]
  --target-cpu C         core of the target [0]
  --load-cpu C           core of the load generator [1]
  --target-jvm-args "A"  extra JVM flags for every target, e.g. -Xmx8g []
  --load-jvm-args "A"    extra JVM flags for the load generators, e.g. -Xmx8g []
  --ours-args "A"        extra options for our server, e.g. "--retry never" []
  --peer-args "A"        extra options for QuicheRelay, e.g. "--idle-timeout-ms 300000" []
  --ready-seconds S      how long a target may take to start listening [60]
  --log-cap-bytes N      cap of our server's log per start [20000000]
  --rebuild              rebuild the jar and the perf classes first (else only when missing)
  -h, --help             this text

relay:     --first-round N (> 1 appends rounds to an earlier run's summaries) [1]
           --runs N (latency runs and throughput searches per load process) [1]
           --lat-seconds S [5]  --lat-rate PER_S [2000]  --tput-seconds S [2]  --tput-start PER_S [10000]
           --no-latency  --no-tput  --no-both-ways
idle:      --counts "N..." [1000 10000]  --idle-rounds N=R (rounds for one N; repeatable) [10000=2]
           --lat-seconds S [3]  --idle-ready-seconds S (connect deadline) [max(300, N/20)]
handshake: --hs-seconds S [5]  --concurrency "C..." [1 16]  --hs-warmup S (first window per start) [3]
flood:     --flood-seconds S [5]  --flood-rate PER_S (0 = flat out) [0]  --flood-sockets K [4]
           --flood-warmup S [2]  --alloc-retries N (0 skips) [1000000]  --alloc-max-seconds S [150]
           --alloc-sockets "K..." [1 4]
soak, jfr: --seconds S [soak 60, jfr 20]  --rate PER_S [soak 20000, jfr 40000]
jmh:       --jmh-opts "O" [-f 1 -wi 3 -i 5 -w 1s -r 1s]  then benchmark regexes [all]
full:      --steps "S..." [relay jdk25 idle handshake flood soak jmh]
           --jdk25 PATH [/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; its steps are skipped if missing]

Examples:
  perf/run.sh relay --rounds 1 --lat-seconds 1 --tput-seconds 0.5 --targets ours
  perf/run.sh idle --counts 1000 --rounds 1 --targets ours
  perf/run.sh idle --counts 100000 --rounds 1 --targets ours --target-jvm-args -Xmx8g --load-jvm-args -Xmx12g
  perf/run.sh soak --seconds 60 --rate 20000
  perf/run.sh jmh --jmh-opts "-f 1 -wi 1 -i 1 -w 200ms -r 200ms" CodecBench
EOF
}

# ---------------------------------------------------------------------------------------------
# Flags

SCENARIO=${1:-}
if [[ -z $SCENARIO || $SCENARIO == -h || $SCENARIO == --help || $SCENARIO == help ]]; then
  usage
  exit 0
fi
shift
OUT=$ROOT/perf/results
JAVA=java
TARGETS="floor peer ours"
ROUNDS=3
PORT=47443
CONNECTOR_PORT=47444
TARGET_CPU=0
LOAD_CPU=1
TARGET_JVM_ARGS=""
LOAD_JVM_ARGS=""
OURS_ARGS=""
PEER_ARGS=""
READY_SECONDS=60
LOG_CAP_BYTES=20000000
REBUILD=0
FIRST_ROUND=1
RUNS=1
LAT_SECONDS=""
LAT_RATE=2000
TPUT_SECONDS=2
TPUT_START=10000
NO_LATENCY=0
NO_TPUT=0
NO_BOTH_WAYS=0
IDLE_COUNTS="1000 10000"
declare -A IDLE_ROUNDS=([10000]=2)
IDLE_READY_SECONDS=""
HS_SECONDS=5
HS_CONCURRENCY="1 16"
HS_WARMUP=3
FLOOD_SECONDS=5
FLOOD_RATE=0
FLOOD_SOCKETS=4
FLOOD_WARMUP=2
ALLOC_RETRIES=1000000
ALLOC_MAX_SECONDS=150
ALLOC_SOCKETS="1 4"
SECONDS_FLAG=""
RATE_FLAG=""
JMH_OPTS="-f 1 -wi 3 -i 5 -w 1s -r 1s"
STEPS="relay jdk25 idle handshake flood soak jmh"
JDK25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
REST=()
ARGV=("$@") # for the command lines written next to the tables

need() { # need FLAG VALUE...: the flag's value, or an error
  if [[ $# -lt 2 ]]; then
    echo "perf/run.sh: $1 needs a value (perf/run.sh --help)" >&2
    exit 2
  fi
}
while [[ $# -gt 0 ]]; do
  f=$1
  case $f in
    -h | --help) usage; exit 0 ;;
    --rebuild) REBUILD=1; shift; continue ;;
    --no-latency) NO_LATENCY=1; shift; continue ;;
    --no-tput) NO_TPUT=1; shift; continue ;;
    --no-both-ways) NO_BOTH_WAYS=1; shift; continue ;;
    --*) need "$@"; v=$2; shift 2 ;;
    *) REST+=("$f"); shift; continue ;;
  esac
  case $f in
    --out) OUT=$(realpath -m "$v") ;;
    --java) JAVA=$v ;;
    --targets) TARGETS=$v ;;
    --rounds) ROUNDS=$v ;;
    --port) PORT=$v ;;
    --connector-port) CONNECTOR_PORT=$v ;;
    --target-cpu) TARGET_CPU=$v ;;
    --load-cpu) LOAD_CPU=$v ;;
    --target-jvm-args) TARGET_JVM_ARGS=$v ;;
    --load-jvm-args) LOAD_JVM_ARGS=$v ;;
    --ours-args) OURS_ARGS=$v ;;
    --peer-args) PEER_ARGS=$v ;;
    --ready-seconds) READY_SECONDS=$v ;;
    --log-cap-bytes) LOG_CAP_BYTES=$v ;;
    --first-round) FIRST_ROUND=$v ;;
    --runs) RUNS=$v ;;
    --lat-seconds) LAT_SECONDS=$v ;;
    --lat-rate) LAT_RATE=$v ;;
    --tput-seconds) TPUT_SECONDS=$v ;;
    --tput-start) TPUT_START=$v ;;
    --counts) IDLE_COUNTS=$v ;;
    --idle-rounds) IDLE_ROUNDS[${v%%=*}]=${v#*=} ;;
    --idle-ready-seconds) IDLE_READY_SECONDS=$v ;;
    --hs-seconds) HS_SECONDS=$v ;;
    --concurrency) HS_CONCURRENCY=$v ;;
    --hs-warmup) HS_WARMUP=$v ;;
    --flood-seconds) FLOOD_SECONDS=$v ;;
    --flood-rate) FLOOD_RATE=$v ;;
    --flood-sockets) FLOOD_SOCKETS=$v ;;
    --flood-warmup) FLOOD_WARMUP=$v ;;
    --alloc-retries) ALLOC_RETRIES=$v ;;
    --alloc-max-seconds) ALLOC_MAX_SECONDS=$v ;;
    --alloc-sockets) ALLOC_SOCKETS=$v ;;
    --seconds) SECONDS_FLAG=$v ;;
    --rate) RATE_FLAG=$v ;;
    --jmh-opts) JMH_OPTS=$v ;;
    --steps) STEPS=$v ;;
    --jdk25) JDK25=$v ;;
    *) echo "perf/run.sh: unknown flag $f (perf/run.sh --help)" >&2; exit 2 ;;
  esac
done
if [[ ${#REST[@]} -gt 0 && $SCENARIO != jmh ]]; then
  echo "perf/run.sh: unexpected argument ${REST[0]} (perf/run.sh --help)" >&2
  exit 2
fi
OPENS="--add-opens java.base/com.sun.crypto.provider=ALL-UNNAMED"

# The command line that reproduces this run, for the top of a table.
command_line() {
  local a s="perf/run.sh $SCENARIO"
  for a in "${ARGV[@]}"; do
    if [[ $a == *' '* || -z $a ]]; then s+=" \"$a\""; else s+=" $a"; fi
  done
  echo "$s"
}

# ---------------------------------------------------------------------------------------------
# Build, targets, load

build() {
  if [[ ! -f target/intermediate-server.jar || $REBUILD == 1 ]]; then
    mvn -B -q package -DskipTests
  fi
  if [[ ! -f target/perf.classpath || $REBUILD == 1 \
    || ! -f target/test-classes/dev/ztna/server/perf/LatencyLoad.class ]]; then
    mvn -B -q -Pperf test-compile dependency:build-classpath -Dmdep.outputFile=target/perf.classpath
  fi
  CP="target/classes:target/test-classes:$(cat target/perf.classpath)"
}

TARGET_PID=
TARGET_LOG=
WORKDIR=
cleanup() {
  stop_target
  if [[ -n $WORKDIR ]]; then rm -rf "$WORKDIR"; fi
}

# Our server signs with ECDSA P-256, like the quiche peer (without a certificate it would generate
# an RSA 2048 development certificate, which makes each handshake's signature ~1 ms slower). Every
# load generator connects from 127.0.0.1: the per-address caps (issue 9 limits) and the total cap
# would refuse the idle connections, so the perf runs turn them off.
prepare_workdir() {
  WORKDIR=$(mktemp -d)
  mkdir -p "$WORKDIR/certs"
  "$JAVA" -cp "$CP" dev.ztna.server.perf.PerfCert "$WORKDIR/certs/cert.pem" "$WORKDIR/certs/key.pem"
  printf '[limits]\nmax_connections = 0\nmax_connections_per_ip = 0\nmax_half_open_per_ip = 0\nmax_half_open = 0\n' \
    >"$WORKDIR/perf-limits.toml"
}

# wait_for_line FILE REGEX SECONDS [PID]: until FILE has a line matching REGEX; false when the
# deadline passes or PID exits first.
wait_for_line() {
  local file=$1 regex=$2 secs=$3 pid=${4:-}
  local deadline=$((SECONDS + secs))
  until grep -qsE "$regex" "$file"; do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      grep -qsE "$regex" "$file" && return 0
      return 1
    fi
    if ((SECONDS >= deadline)); then return 1; fi
    sleep 0.1
  done
}

# start_target NAME [extra JVM flags...]: starts NAME on core $TARGET_CPU and waits until it logs
# that it listens (deadline --ready-seconds); sets TARGET_PID and TARGET_LOG.
start_target() {
  local name=$1; shift
  # shellcheck disable=SC2086 # word lists
  set -- $TARGET_JVM_ARGS "$@"
  TARGET_LOG=$WORKDIR/target-$name.log # scenarios copy the logs their tables need into $OUT
  local ready
  case "$name" in
    ours | ours-backoff)
      local idle=busy-spin
      if [[ $name == ours-backoff ]]; then idle=backoff; fi
      # -XX:AutoBoxCacheMax as in the systemd unit: the JDK's epoll selector boxes each ready
      # connected socket's descriptor (loop/SelectorBoxing), an allocation above 127 without it.
      # shellcheck disable=SC2086
      (cd "$WORKDIR" && exec taskset -c "$TARGET_CPU" "$JAVA" -XX:AutoBoxCacheMax=1048576 "$@" $OPENS -jar "$ROOT/target/intermediate-server.jar" \
        --config "$WORKDIR/perf-limits.toml" --listen "127.0.0.1:$PORT" --idle-strategy "$idle" $OURS_ARGS) \
        > >(stdbuf -o0 head -c "$LOG_CAP_BYTES" >"$TARGET_LOG") 2>&1 &
      ready='listening on'
      ;;
    peer)
      # shellcheck disable=SC2086
      taskset -c "$TARGET_CPU" "$JAVA" "$@" $OPENS -cp "$CP" dev.ztna.server.perf.QuicheRelay "$PORT" $PEER_ARGS \
        >"$TARGET_LOG" 2>&1 &
      ready='^quiche relay on'
      ;;
    floor)
      taskset -c "$TARGET_CPU" "$JAVA" "$@" -cp "$CP" dev.ztna.server.perf.FloorForwarder "$PORT" "$CONNECTOR_PORT" \
        >"$TARGET_LOG" 2>&1 &
      ready='^floor forwarder on'
      ;;
    *) echo "unknown target $name" >&2; exit 2 ;;
  esac
  TARGET_PID=$!
  if ! wait_for_line "$TARGET_LOG" "$ready" "$READY_SECONDS" "$TARGET_PID"; then
    echo "target $name did not log '$ready' within $READY_SECONDS s; its log:" >&2
    tail -20 "$TARGET_LOG" >&2 || true
    exit 1
  fi
}

# stop_target: SIGTERM and wait; our server's log then ends with its counters (the log goes
# through a pipe: wait for that line, deadline 5 s).
stop_target() {
  if [[ -n $TARGET_PID ]]; then
    kill "$TARGET_PID" 2>/dev/null || true
    wait "$TARGET_PID" 2>/dev/null || true
    if [[ $TARGET_LOG == */target-ours.log ]]; then wait_for_line "$TARGET_LOG" 'counters: ' 5 || true; fi
  fi
  TARGET_PID=
}

# load CLASS ARGS...: a load generator (dev.ztna.server.perf.CLASS) on core $LOAD_CPU.
load() {
  local cls=$1; shift
  # shellcheck disable=SC2086
  taskset -c "$LOAD_CPU" "$JAVA" $LOAD_JVM_ARGS $OPENS -cp "$CP" "dev.ztna.server.perf.$cls" "$@"
}

jdk_major() { "$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ---------------------------------------------------------------------------------------------
# relay: latency and throughput

scenario_relay() {
  local r t lat=${LAT_SECONDS:-5}
  mkdir -p "$OUT"
  # Rounds interleave the targets in time (floor, peer, ours, floor, ...), one start per target per
  # round, so that the machine's changing background load hits all three alike; the medians are
  # taken over the rounds by perf/summarize.py.
  if [[ $FIRST_ROUND == 1 ]]; then for t in $TARGETS; do : >"$OUT/summary-$t.txt"; done; fi
  for r in $(seq "$FIRST_ROUND" $((FIRST_ROUND + ROUNDS - 1))); do
    for t in $TARGETS; do
      echo "## round $r target $t (load average $(loadavg))"
      start_target "$t"
      if [[ $NO_LATENCY == 0 ]]; then
        load LatencyLoad "$t" "$PORT" "$CONNECTOR_PORT" "$OUT" --runs "$RUNS" --run-index $((r - 1)) \
          --lat-seconds "$lat" --rate "$LAT_RATE" --warmup-rate "$TPUT_START" | tee -a "$OUT/summary-$t.txt"
      fi
      if [[ $NO_TPUT == 0 ]]; then
        local both=()
        if [[ $NO_BOTH_WAYS == 1 ]]; then both=(--no-both-ways); fi
        load ThroughputLoad "$t" "$PORT" "$CONNECTOR_PORT" "$OUT" --runs "$RUNS" \
          --tput-seconds "$TPUT_SECONDS" --tput-start "$TPUT_START" --rate "$LAT_RATE" "${both[@]}" \
          | tee -a "$OUT/summary-$t.txt"
      fi
      stop_target
    done
  done
  { echo "Command: \`$(command_line)\`"; echo; python3 perf/summarize.py "$OUT"; } | tee "$OUT/tables.md"
}

# ---------------------------------------------------------------------------------------------
# soak and jfr: one-way load against ours

scenario_soak() {
  local secs=${SECONDS_FLAG:-60} rate=${RATE_FLAG:-20000} jdk
  jdk=$(jdk_major)
  mkdir -p "$OUT"
  local gclog="$OUT/gc-ours-jdk$jdk-${secs}s-${rate}.log" txt="$OUT/soak-ours-jdk$jdk.txt"
  local saved=$OURS_ARGS
  OURS_ARGS="$OURS_ARGS --stats-interval-ms 5000"
  start_target ours "-Xlog:gc:file=$gclog"
  OURS_ARGS=$saved
  { echo "Command: \`$(command_line)\` (JDK $jdk)"; load SoakLoad ours "$PORT" "$CONNECTOR_PORT" "$OUT" \
    --seconds "$secs" --rate "$rate"; } | tee "$txt"
  stop_target
  echo "GC pauses in $gclog (whole process life, incl. start-up and handshakes): $(grep -c 'Pause' "$gclog" || true)" \
    | tee -a "$txt"
  cp "$TARGET_LOG" "$OUT/soak-ours-jdk$jdk-server.log"
  python3 perf/stats_delta.py "$OUT/soak-ours-jdk$jdk-server.log" \
    relayed_agent_to_connector_datagrams relayed_connector_to_agent_datagrams | tee -a "$txt"
}

scenario_jfr() {
  local secs=${SECONDS_FLAG:-20} rate=${RATE_FLAG:-40000}
  local dir=$OUT/jfr
  mkdir -p "$dir"
  start_target ours "-XX:StartFlightRecording=filename=$WORKDIR/ours.jfr,settings=profile"
  load SoakLoad ours "$PORT" "$CONNECTOR_PORT" "$OUT" --seconds "$secs" --rate "$rate" | tee "$dir/jfr-load.txt"
  stop_target # the recording is complete once the JVM has exited
  cp "$TARGET_LOG" "$dir/target-ours.log"
  # `jfr view` needs JDK 21+; it reads JDK 17 recordings.
  local jfr
  jfr=$(dirname "$(readlink -f "$JDK25")")/jfr
  if [[ ! -x $jfr ]]; then jfr=$(dirname "$(readlink -f "$(command -v "$JAVA")")")/jfr; fi
  "$jfr" view --width 160 hot-methods "$WORKDIR/ours.jfr" | tee "$dir/jfr-hot-methods.txt"
  "$jfr" view --width 160 allocation-by-site "$WORKDIR/ours.jfr" | tee "$dir/jfr-allocation-by-site.txt" || true
  "$jfr" view --width 160 gc "$WORKDIR/ours.jfr" | tee "$dir/jfr-gc.txt" || true
}

# ---------------------------------------------------------------------------------------------
# idle: N established but silent QUIC connections plus one measured pair
#
# Per run: start the target (idle timeout 600 s), IdleLoad opens N idle connections, prints
# IDLE READY and waits for a marker file; meanwhile this runs `jcmd PID GC.run` + `jcmd PID
# GC.heap_info` on the target and records its RSS and open fds, then creates the marker; IdleLoad
# sets up the measured pair and runs the 64 B and 1200 B ping-pong with the N connections open, then
# closes them. N = 0 is the baseline for the latency ratios and the heap per connection. Output:
# $OUT/idle/TARGET-nN-runR.{txt,heap,mem,target.log}, hgrm files under $OUT/idle/nN/ and
# $OUT/idle/table.md (perf/idle_table.py). Our server holds one connected UDP socket per
# connection (N fds), the floor one upstream socket per client address (the idle connections share
# one local socket per 100), the quiche peer one socket in all.

scenario_idle() {
  local dir=$OUT/idle lat=${LAT_SECONDS:-3} jcmd max=0 n
  jcmd=$(dirname "$(readlink -f "$(command -v "$JAVA")")")/jcmd
  for n in $IDLE_COUNTS; do ((n > max)) && max=$n; done
  # Every connection of ours is a file descriptor: raise the soft limit to the hard one if needed.
  local want=$((max + 1000))
  if [[ $(ulimit -n) != unlimited && $(ulimit -n) -lt $want ]]; then
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    if [[ $(ulimit -n) != unlimited && $(ulimit -n) -lt $want ]]; then
      echo "# WARNING: ulimit -n is $(ulimit -n) (hard $(ulimit -Hn)), N = $max needs about $want for ours:" \
        "raise the hard limit (README, Performance)" >&2
    fi
  fi
  # Targets keep idle connections for 10 minutes (the defaults, 30 s, would close them mid-run).
  local saved_ours=$OURS_ARGS saved_peer=$PEER_ARGS
  OURS_ARGS="$OURS_ARGS --idle-timeout-ms 600000"
  PEER_ARGS="$PEER_ARGS --idle-timeout-ms 600000"
  mkdir -p "$dir"
  rm -f "$dir"/*-n*-run*.txt "$dir"/*-n*-run*.heap "$dir"/*-n*-run*.mem "$dir"/*-n*-run*.target.log
  {
    command_line
    echo "OURS_ARGS=\"$OURS_ARGS\" PEER_ARGS=\"$PEER_ARGS\" TARGET_JVM_ARGS=\"$TARGET_JVM_ARGS\" ulimit -n $(ulimit -n)"
  } >"$dir/command.txt"
  echo "# idle scenario: $(head -1 "$dir/command.txt") (ulimit -n $(ulimit -n))"
  local r t rounds
  for n in 0 $IDLE_COUNTS; do
    rounds=${IDLE_ROUNDS[$n]:-$ROUNDS}
    if ((rounds > ROUNDS)); then rounds=$ROUNDS; fi
    for r in $(seq 1 "$rounds"); do
      for t in $TARGETS; do
        echo "## idle N=$n round $r target $t (load average $(loadavg))"
        start_target "$t"
        idle_run "$t" "$n" "$r" "$lat" "$jcmd"
        stop_target
        cp "$TARGET_LOG" "$dir/$t-n$n-run$r.target.log" 2>/dev/null || true
      done
    done
  done
  OURS_ARGS=$saved_ours
  PEER_ARGS=$saved_peer
  python3 perf/idle_table.py "$dir" | tee "$dir/table.md"
}

# idle_run TARGET N ROUND LAT_SECONDS JCMD: one load run against the running target.
idle_run() {
  local t=$1 n=$2 r=$3 lat=$4 jcmd=$5
  local base=$OUT/idle/$t-n$n-run$r marker=$OUT/idle/.ready-$t-$n-$r
  local ready_secs=${IDLE_READY_SECONDS:-$((n / 20 > 300 ? n / 20 : 300))}
  rm -f "$marker"
  mkdir -p "$OUT/idle/n$n"
  local t0=$SECONDS
  load IdleLoad "$t" "$PORT" "$CONNECTOR_PORT" "$OUT/idle/n$n" --runs 1 --run-index $((r - 1)) \
    --lat-seconds "$lat" --rate "$LAT_RATE" --idle-connections "$n" --idle-wait-file "$marker" \
    --wait-seconds 120 >"$base.txt" 2>&1 &
  local lpid=$!
  if wait_for_line "$base.txt" '^IDLE READY' "$ready_secs" "$lpid" && kill -0 "$TARGET_PID" 2>/dev/null; then
    "$jcmd" "$TARGET_PID" GC.run >/dev/null 2>&1 || true
    "$jcmd" "$TARGET_PID" GC.heap_info >"$base.heap" 2>&1 || true
    echo "TARGET_MEM $t $n rss_kb $(ps -o rss= -p "$TARGET_PID" | tr -d ' ')" \
      "fds $(find "/proc/$TARGET_PID/fd" -mindepth 1 -maxdepth 1 | wc -l)" >"$base.mem"
  else
    echo "# IDLE READY not seen within $ready_secs s" | tee -a "$base.mem"
  fi
  touch "$marker"
  wait "$lpid" || echo "# load exited with $?" >>"$base.mem"
  local alive=0
  if kill -0 "$TARGET_PID" 2>/dev/null; then alive=1; fi
  echo "TARGET_END $t $n target_alive $alive target_oom $(grep -c OutOfMemoryError "$TARGET_LOG" || true)" \
    >>"$base.mem"
  rm -f "$marker"
  grep -E '^(IDLE|LAT)' "$base.txt" || true
  echo "# $(cat "$base.mem" 2>/dev/null) ($((SECONDS - t0)) s)"
}

# ---------------------------------------------------------------------------------------------
# handshake and flood
# Output: $OUT/handshake/{table.md,runs-<target>.txt}, $OUT/flood/{table.md,runs-<target>.txt,alloc.txt}.

hs_java() {
  # shellcheck disable=SC2086
  taskset -c "$LOAD_CPU" "$JAVA" $LOAD_JVM_ARGS $OPENS -cp "$CP" "$@"
}

# hs_start TARGET [OURS_EXTRA]: the peer with Netty's Retry on (--retry); ours with OURS_EXTRA.
hs_start() {
  local t=$1 extra=${2:-} saved_ours=$OURS_ARGS saved_peer=$PEER_ARGS
  if [[ $t == peer && " $PEER_ARGS " != *" --retry "* ]]; then PEER_ARGS="$PEER_ARGS --retry"; fi
  if [[ $t == ours ]]; then OURS_ARGS="$OURS_ARGS $extra"; fi
  start_target "$t"
  OURS_ARGS=$saved_ours
  PEER_ARGS=$saved_peer
}

# Our server's counters lines at shutdown (after stop_target), or nothing.
hs_ours_counters() {
  grep -o 'counters: .*' "$WORKDIR/target-ours.log" | tail -1 || true
  grep -o 'relay counters: .*' "$WORKDIR/target-ours.log" | tail -1 || true
}

scenario_handshake() {
  local dir=$OUT/handshake t r c w
  mkdir -p "$dir"
  for t in $TARGETS; do : >"$dir/runs-$t.txt"; done
  for r in $(seq 1 "$ROUNDS"); do
    for t in $TARGETS; do
      echo "## handshake round $r target $t (load average $(loadavg))"
      echo "# round $r load average $(loadavg)" >>"$dir/runs-$t.txt"
      hs_start "$t"
      w=$HS_WARMUP
      for c in $HS_CONCURRENCY; do
        hs_java dev.ztna.server.perf.HandshakeLoad "$t" "$PORT" "$CONNECTOR_PORT" \
          --seconds "$HS_SECONDS" --warmup "$w" --concurrency "$c" --run-index "$r" | tee -a "$dir/runs-$t.txt"
        w=1
      done
      stop_target
      if [[ $t == ours* ]]; then hs_ours_counters | sed 's/^/# ours at shutdown: /' | tee -a "$dir/runs-$t.txt"; fi
    done
  done
  {
    echo "Command: \`$(command_line)\`"
    echo
    # shellcheck disable=SC2086
    python3 perf/hs_table.py handshake "$dir" $TARGETS
  } | tee "$dir/table.md"
}

scenario_flood() {
  local dir=$OUT/flood t r targets=""
  mkdir -p "$dir"
  for t in $TARGETS; do
    if [[ $t == floor ]]; then
      echo "# flood: floor skipped (a forwarder has no Retry of its own)"
    else
      targets+="$t "
    fi
  done
  local stats="--stats-interval-ms 1000"
  for t in $targets; do : >"$dir/runs-$t.txt"; done
  for r in $(seq 1 "$ROUNDS"); do
    for t in $targets; do
      echo "## flood round $r target $t (load average $(loadavg))"
      echo "# round $r load average $(loadavg)" >>"$dir/runs-$t.txt"
      hs_start "$t" "$stats"
      # Warm-up (JIT) first, not in the table: its line is kept as a comment.
      hs_java dev.ztna.server.perf.InitialFlood "$PORT" --seconds "$FLOOD_WARMUP" --sockets "$FLOOD_SOCKETS" \
        --label "$t-warmup" | sed 's/^/# /' | tee -a "$dir/runs-$t.txt"
      hs_java dev.ztna.server.perf.InitialFlood "$PORT" --seconds "$FLOOD_SECONDS" --rate "$FLOOD_RATE" \
        --sockets "$FLOOD_SOCKETS" --label "$t" | tee -a "$dir/runs-$t.txt"
      stop_target
      if [[ $t == ours ]]; then
        # retry_sent at shutdown covers the warm-up and the measured flood: compare with the sum of
        # the two "retries" the flood received.
        hs_ours_counters | sed 's/^/# ours at shutdown: /' | tee -a "$dir/runs-$t.txt"
        python3 perf/hs_table.py alloc "$TARGET_LOG" 0 0 | sed 's/^/# round /' | tee -a "$dir/runs-$t.txt"
      fi
    done
  done
  : >"$dir/alloc.txt"
  if [[ " $targets " == *" ours "* && $ALLOC_RETRIES -gt 0 ]]; then
    local k t0 t1 lines
    for k in $ALLOC_SOCKETS; do
      echo "## flood: loop-thread allocation per Retry, ours, flat out from $k socket(s) until $ALLOC_RETRIES Retries"
      hs_start ours "$stats"
      t0=$(date +%s.%N)
      hs_java dev.ztna.server.perf.InitialFlood "$PORT" --until-retries "$ALLOC_RETRIES" \
        --max-seconds "$ALLOC_MAX_SECONDS" --sockets "$k" --label "ours-alloc-$k" | tee -a "$dir/alloc.txt"
      t1=$(date +%s.%N)
      # One more periodic stats line after the last Retry (deadline 5 s).
      lines=$(grep -c ' stats:' "$TARGET_LOG" || true)
      local deadline=$((SECONDS + 5))
      while (($(grep -c ' stats:' "$TARGET_LOG" || true) <= lines && SECONDS < deadline)); do sleep 0.1; done
      stop_target
      cp "$TARGET_LOG" "$dir/target-ours-alloc-$k.log"
      grep ' stats:' "$dir/target-ours-alloc-$k.log" | grep -v 'final stats:' | sed -n '1p;$p' | sed 's/^/# /' >>"$dir/alloc.txt" || true
      python3 perf/hs_table.py alloc "$dir/target-ours-alloc-$k.log" "$t0" "$t1" "$k" | tee -a "$dir/alloc.txt"
    done
  fi
  {
    echo "Command: \`$(command_line)\`"
    echo
    # shellcheck disable=SC2086
    python3 perf/hs_table.py flood "$dir" $targets
  } | tee "$dir/table.md"
}

# ---------------------------------------------------------------------------------------------
# jmh: micro-benchmarks with the gc profiler (AeadBench, HeaderProtectionBench, CodecBench,
# PacketProtectionBench, CidLookupBench), on $JAVA (the forked benchmark JVMs too, `-jvm`); each
# fork gets --add-opens java.base/com.sun.crypto.provider from the benches' @Fork(jvmArgsAppend).
# Output: $OUT/jmh/jmh-jdk<major>.{txt,json,cmd} and $OUT/jmh/table.md (perf/jmh_table.py over
# every jmh-jdk*.json there: one table per JDK).

scenario_jmh() {
  local dir="$OUT/jmh"
  mkdir -p "$dir"
  # JMH finds benchmarks through the list its annotation processor generates: rebuild it when a
  # perf source is newer (or `mvn test` without -Pperf replaced the test classes).
  local list=target/test-classes/META-INF/BenchmarkList
  if [[ ! -f $list || ! -f target/test-classes/dev/ztna/server/perf/CodecBench.class
    || -n $(find perf/src/java -name '*.java' -newer "$list" | head -1) ]]; then
    mvn -B -q -Pperf test-compile
  fi
  local javabin jdk base
  javabin=$(readlink -f "$(command -v "$JAVA")")
  jdk=$(jdk_major)
  base="$dir/jmh-jdk$jdk"
  # shellcheck disable=SC2086 # $OPENS and $JMH_OPTS are word lists
  local cmd=("$javabin" $OPENS -cp "$CP" org.openjdk.jmh.Main "${REST[@]}" -prof gc $JMH_OPTS -jvm "$javabin"
    -rf json -rff "$base.json")
  {
    command_line
    echo "# = ${cmd[*]}" | sed "s#$CP#target/classes:target/test-classes:\$(cat target/perf.classpath)#"
    echo "# machine: nproc=$(nproc) load average at start: $(loadavg)"
  } >"$base.cmd"
  cat "$base.cmd"
  "${cmd[@]}" 2>&1 | tee "$base.txt"
  python3 perf/jmh_table.py "$dir" >"$dir/table.md"
  cat "$dir/table.md"
}

# ---------------------------------------------------------------------------------------------
# full: every table of perf/RESULTS.md. Each step is a scenario function in a subshell of this
# process (its own OUT/JAVA/flags, its own target cleanup), in order:
#   relay     latency (64 B, 1200 B) and throughput (one way, both ways), 3 interleaved rounds
#   jdk25     the same latency rounds with every JVM on --jdk25 (into $OUT/jdk25), no throughput
#   idle      1k and 10k idle connections plus one active pair
#   handshake handshakes/s with Retry and ECDSA P-256
#   flood     Retry responses/s under an Initial flood, loop-thread bytes per Retry
#   soak      60 s at 20,000 datagrams/s on JDK 17 and on --jdk25: GC count, bytes per datagram
#   jmh       JMH micro-benchmarks with the gc profiler

# without FLAG...: ARGV without those flags and their values (a step's own command line).
without() {
  local out=() i=0 a drop
  while ((i < ${#ARGV[@]})); do
    a=${ARGV[i]}
    drop=0
    for f in "$@"; do [[ $a == "$f" ]] && drop=1; done
    if ((drop)); then ((i += 2)); continue; fi
    out+=("$a")
    ((i += 1))
  done
  ARGV=("${out[@]}")
}

scenario_full() {
  local step
  echo "# perf/run.sh full: steps '$STEPS' into $OUT, started $(date -u +%FT%TZ)"
  for step in $STEPS; do
    echo "## step $step started $(date -u +%FT%TZ), load average $(loadavg)"
    case $step in
      relay | idle | handshake | flood | jmh) (trap stop_target EXIT; SCENARIO=$step; without --steps; "scenario_$step") ;;
      jdk25)
        if [[ -x $JDK25 ]]; then
          (trap stop_target EXIT; SCENARIO=relay; without --steps --out --java
            ARGV+=(--java "$JDK25" --out "$OUT/jdk25" --no-tput)
            OUT=$OUT/jdk25; JAVA=$JDK25; NO_TPUT=1; scenario_relay)
        else
          echo "skipped: no JDK 25 at $JDK25"
        fi
        ;;
      soak)
        (trap stop_target EXIT; SCENARIO=soak; SECONDS_FLAG=60; RATE_FLAG=20000; without --steps
          ARGV+=(--seconds 60 --rate 20000); scenario_soak)
        if [[ -x $JDK25 ]]; then
          (trap stop_target EXIT; SCENARIO=soak; SECONDS_FLAG=60; RATE_FLAG=20000; without --steps --java
            ARGV+=(--seconds 60 --rate 20000 --java "$JDK25"); JAVA=$JDK25; scenario_soak)
        fi
        ;;
      *) echo "unknown step $step" >&2; return 2 ;;
    esac
  done
  echo "# perf/run.sh full: done $(date -u +%FT%TZ)"
}

# ---------------------------------------------------------------------------------------------

if ! declare -F "scenario_$SCENARIO" >/dev/null; then
  echo "perf/run.sh: unknown scenario $SCENARIO (perf/run.sh --help)" >&2
  exit 2
fi
build
trap cleanup EXIT
prepare_workdir
mkdir -p "$OUT"
echo "# machine: nproc=$(nproc) cpu='$(lscpu | sed -n 's/^Model name: *//p')' jdk='$("$JAVA" -version 2>&1 | sed -n 2p)'"
echo "# load average: $(loadavg)"
"scenario_$SCENARIO"
