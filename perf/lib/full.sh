# shellcheck shell=bash
# `perf/run.sh full`: every table of perf/RESULTS.md in one go (about an hour on 2 cores), each
# scenario in its own run.sh process so that its targets, ports and logs stay separate:
#   1. relay latency (64 B, 1200 B) and throughput (one way, both ways), 3 interleaved rounds, JDK 17
#   2. the same latency rounds with every JVM on JDK 25 (into $OUT/jdk25)
#   3. 1k and 10k idle connections plus one active pair (perf/lib/idle.sh)
#   4. handshakes/s with Retry and ECDSA P-256; Retry responses/s under an Initial flood (perf/lib/handshake.sh)
#   5. 60 s soak at 20 000 datagrams/s on JDK 17 and JDK 25: GC count, loop-thread bytes per relayed datagram
#   6. JMH micro-benchmarks with the gc profiler (perf/lib/jmh.sh)
# Variables: JDK25 (default /usr/lib/jvm/temurin-25-jdk-amd64/bin/java; skipped when missing),
# FULL_STEPS (default "relay jdk25 idle handshake flood soak jmh") to run a subset.
scenario_full() {
  local jdk25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
  local steps=${FULL_STEPS:-"relay jdk25 idle handshake flood soak jmh"}
  local self="$ROOT/perf/run.sh"
  local step
  echo "# perf/run.sh full: steps '$steps' into $OUT, started $(date -u +%FT%TZ)"
  for step in $steps; do
    echo "## step $step started $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    case $step in
      relay) OUT=$OUT "$self" all ;;
      jdk25)
        if [[ -x $jdk25 ]]; then
          OUT=$OUT/jdk25 JAVA=$jdk25 LOAD_ARGS="--no-tput $LOAD_ARGS" "$self" all
        else
          echo "skipped: no JDK 25 at $jdk25"
        fi
        ;;
      idle) OUT=$OUT "$self" idle ;;
      handshake) OUT=$OUT "$self" handshake ;;
      flood) OUT=$OUT "$self" flood ;;
      soak)
        OUT=$OUT "$self" soak 60 20000
        if [[ -x $jdk25 ]]; then OUT=$OUT JAVA=$jdk25 "$self" soak 60 20000; fi
        ;;
      jmh) OUT=$OUT "$self" jmh ;;
      *) echo "unknown step $step" >&2; return 2 ;;
    esac
  done
  echo "# perf/run.sh full: done $(date -u +%FT%TZ)"
}
