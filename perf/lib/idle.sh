# Idle connections (issue 5): N established but silent QUIC connections plus one measured pair.
#   perf/run.sh idle                           # N = 0 (baseline), 1000 (3 rounds), 10000 (2 rounds); floor peer ours
#   IDLE_COUNTS="50 500" ROUNDS=1 IDLE_LAT_SECONDS=1 OUT=/tmp/idle PORT=48731 CONNECTOR_PORT=48732 perf/run.sh idle
#   IDLE_ROUNDS_10000=2 perf/run.sh idle         # rounds for one N (IDLE_ROUNDS_<N>; 10000 defaults to 2)
#   IDLE_JVM_FLAGS=-Xmx16g perf/run.sh idle      # JVM flags for every target
# Per run: start the target (idle timeout 600 s), RelayLoad opens N idle connections
# (--idle-connections), prints IDLE READY and waits for a marker file; meanwhile this script runs
# `jcmd PID GC.run` + `jcmd PID GC.heap_info` on the target and records its RSS and open fds, then
# creates the marker; RelayLoad sets up the measured pair and runs the 64 B and 1200 B ping-pong
# (--no-tput) with the N connections open, then closes them. N = 0 is the baseline for the latency
# ratios and the heap per connection. Output: $OUT/idle/TARGET-nN-runR.{txt,heap,mem}, hgrm files
# under $OUT/idle/nN/, the target's log per run (*.target.log) and $OUT/idle/table.md
# (perf/idle_table.py). The default run takes about 16 minutes on the shared 2-core machine (13 with
# IDLE_ROUNDS_10000=1). ulimit -n must exceed N + ~30: our server holds one connected UDP socket per
# connection; the floor one upstream socket per client address (the idle connections share one
# local socket per 100); the quiche peer one socket in all.
scenario_idle() {
  local dir=$OUT/idle
  local counts=${IDLE_COUNTS:-"1000 10000"}
  local lat=${IDLE_LAT_SECONDS:-3}
  local jcmd
  jcmd=$(dirname "$(readlink -f "$(command -v "$JAVA")")")/jcmd
  # Targets keep idle connections for 10 minutes (the defaults, 30 s, would close them mid-run).
  local OURS_ARGS="$OURS_ARGS --idle-timeout-ms 600000"
  local PEER_ARGS="$PEER_ARGS --idle-timeout-ms 600000"
  mkdir -p "$dir"
  rm -f "$dir"/*-n*-run*.txt "$dir"/*-n*-run*.heap "$dir"/*-n*-run*.mem "$dir"/*-n*-run*.target.log
  {
    echo "IDLE_COUNTS=\"$counts\" ROUNDS=${ROUNDS:-3} TARGETS=\"$TARGETS\" IDLE_LAT_SECONDS=$lat" \
      "$(for v in ${!IDLE_ROUNDS_*}; do printf '%s=%s ' "$v" "${!v}"; done)perf/run.sh idle"
    echo "OURS_ARGS=\"$OURS_ARGS\" PEER_ARGS=\"$PEER_ARGS\" IDLE_JVM_FLAGS=\"${IDLE_JVM_FLAGS:-}\" ulimit -n $(ulimit -n)"
  } >"$dir/command.txt"
  echo "# idle scenario: $(cat "$dir/command.txt" | head -1) (ulimit -n $(ulimit -n))"
  local n r t
  for n in 0 $counts; do
    local rvar="IDLE_ROUNDS_$n"
    local rounds=${!rvar:-${ROUNDS:-3}}
    if [[ $n == 10000 && -z ${!rvar:-} && $rounds -gt 2 ]]; then rounds=2; fi
    for r in $(seq 1 "$rounds"); do
      for t in $TARGETS; do
        echo "## idle N=$n round $r target $t (load average $(cut -d' ' -f1-3 /proc/loadavg))"
        start_target "$t" ${IDLE_JVM_FLAGS:-}
        idle_run "$t" "$n" "$r" "$lat" "$jcmd"
        stop_target
        cp "$OUT/target-$t.log" "$dir/$t-n$n-run$r.target.log" 2>/dev/null || true
      done
    done
  done
  python3 perf/idle_table.py "$dir" | tee "$dir/table.md"
}

# idle_run TARGET N ROUND LAT_SECONDS JCMD: one load run against the running target.
idle_run() {
  local t=$1 n=$2 r=$3 lat=$4 jcmd=$5
  local base=$OUT/idle/$t-n$n-run$r
  local marker=$OUT/idle/.ready-$t-$n-$r
  rm -f "$marker"
  mkdir -p "$OUT/idle/n$n"
  local t0=$SECONDS
  load "$t" "$PORT" "$CONNECTOR_PORT" "$OUT/idle/n$n" --runs 1 --run-index $((r - 1)) --no-tput \
    --lat-seconds "$lat" --idle-connections "$n" --idle-wait-file "$marker" >"$base.txt" 2>&1 &
  local lpid=$!
  while ! grep -qs '^IDLE READY' "$base.txt" && kill -0 "$lpid" 2>/dev/null; do sleep 0.2; done
  if grep -q '^IDLE READY' "$base.txt" && kill -0 "$TARGET_PID" 2>/dev/null; then
    "$jcmd" "$TARGET_PID" GC.run >/dev/null 2>&1 || true
    "$jcmd" "$TARGET_PID" GC.heap_info >"$base.heap" 2>&1 || true
    echo "TARGET_MEM $t $n rss_kb $(ps -o rss= -p "$TARGET_PID" | tr -d ' ')" \
      "fds $(ls "/proc/$TARGET_PID/fd" | wc -l)" >"$base.mem"
  fi
  touch "$marker"
  wait "$lpid" || echo "# load exited with $?" >>"$base.mem"
  local alive=0
  if kill -0 "$TARGET_PID" 2>/dev/null; then alive=1; fi
  echo "TARGET_END $t $n target_alive $alive target_oom $(grep -c OutOfMemoryError "$OUT/target-$t.log" || true)" \
    >>"$base.mem"
  rm -f "$marker"
  grep -E '^(IDLE|LAT)' "$base.txt" || true
  echo "# $(cat "$base.mem" 2>/dev/null) ($((SECONDS - t0)) s)"
}
