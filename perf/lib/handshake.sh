# Handshake scenarios (issue 5), sourced by perf/run.sh:
#   perf/run.sh handshake   # handshakes/s with Retry + ECDSA P-256, C=1 and C=16 in flight (HandshakeLoad)
#   perf/run.sh flood       # stateless Retry responses/s under a raw UDP Initial flood (InitialFlood),
#                           # plus loop-thread bytes allocated per Retry over >= 1M Retries (ours)
# Environment: TARGETS (handshake: floor peer ours; flood: peer ours, the floor is skipped), ROUNDS (3),
#   HS_SECONDS (5), HS_CONCURRENCY ("1 16"), HS_WARMUP (3, seconds before the first measured
#   window of each target JVM; 1 before the others),
#   FLOOD_SECONDS (5), FLOOD_RATE (0 = flat out), FLOOD_SOCKETS (4), FLOOD_WARMUP (2),
#   ALLOC_RETRIES (1000000, 0 skips the allocation runs), ALLOC_MAX_SECONDS (150), ALLOC_SOCKETS ("1 4":
#   one allocation run per source-socket count; one source vs. alternating sources).
# Output: $OUT/handshake/{table.md,runs-<target>.txt}, $OUT/flood/{table.md,runs-<target>.txt,alloc.txt}.

hs_java() {
  taskset -c "$LOAD_CPU" "$JAVA" $OPENS -cp "$CP" "$@"
}

# The exact command line, for the top of a table.
hs_command() {
  local vars="" v
  for v in TARGETS ROUNDS PORT CONNECTOR_PORT OURS_ARGS PEER_ARGS HS_SECONDS HS_CONCURRENCY HS_WARMUP \
    FLOOD_SECONDS FLOOD_RATE FLOOD_SOCKETS FLOOD_WARMUP ALLOC_RETRIES ALLOC_MAX_SECONDS ALLOC_SOCKETS; do
    if [[ -n ${!v:-} ]]; then vars+="$v=\"${!v}\" "; fi
  done
  echo "${vars}perf/run.sh $*"
}

# The peer target with Netty's Retry on (PEER_ARGS plus --retry unless it is there already).
hs_start() {
  local t=$1
  if [[ $t == peer && " $PEER_ARGS " != *" --retry "* ]]; then
    local saved=$PEER_ARGS
    PEER_ARGS="$PEER_ARGS --retry"
    start_target peer
    PEER_ARGS=$saved
  elif [[ $t == ours && -n ${HS_OURS_EXTRA:-} ]]; then
    local saved=$OURS_ARGS
    OURS_ARGS="$OURS_ARGS $HS_OURS_EXTRA"
    start_target ours
    OURS_ARGS=$saved
  else
    start_target "$t"
  fi
}

# Our server's counters line at shutdown (after stop_target), or nothing.
hs_ours_counters() {
  sleep 0.3 # the log goes through a pipe
  grep -o 'counters: .*' "$OUT/target-ours.log" | tail -1 || true
  grep -o 'relay counters: .*' "$OUT/target-ours.log" | tail -1 || true
}

hs_has_stats_flag() {
  "$JAVA" -jar target/intermediate-server.jar --help 2>&1 | grep -q -- '--stats-interval-ms'
}

scenario_handshake() {
  local dir=$OUT/handshake rounds=${ROUNDS:-3} secs=${HS_SECONDS:-5} conc=${HS_CONCURRENCY:-"1 16"}
  local warm=${HS_WARMUP:-3} t r c w
  mkdir -p "$dir"
  for t in $TARGETS; do : >"$dir/runs-$t.txt"; done
  for r in $(seq 1 "$rounds"); do
    for t in $TARGETS; do
      echo "## handshake round $r target $t (load average $(cut -d' ' -f1-3 /proc/loadavg))"
      echo "# round $r load average $(cut -d' ' -f1-3 /proc/loadavg)" >>"$dir/runs-$t.txt"
      hs_start "$t"
      w=$warm
      for c in $conc; do
        hs_java dev.ztna.server.perf.HandshakeLoad "$t" "$PORT" "$CONNECTOR_PORT" \
          --seconds "$secs" --warmup "$w" --concurrency "$c" --run-index "$r" | tee -a "$dir/runs-$t.txt"
        w=1
      done
      stop_target
      if [[ $t == ours* ]]; then hs_ours_counters "$t" | sed 's/^/# ours at shutdown: /' | tee -a "$dir/runs-$t.txt"; fi
    done
  done
  {
    echo "Command: \`$(hs_command handshake)\`"
    echo
    python3 perf/hs_table.py handshake "$dir" $TARGETS
  } | tee "$dir/table.md"
}

scenario_flood() {
  local dir=$OUT/flood rounds=${ROUNDS:-3} secs=${FLOOD_SECONDS:-5} rate=${FLOOD_RATE:-0}
  local sockets=${FLOOD_SOCKETS:-4} warm=${FLOOD_WARMUP:-2} t r targets=""
  local alloc_retries=${ALLOC_RETRIES:-1000000} alloc_max=${ALLOC_MAX_SECONDS:-150}
  mkdir -p "$dir"
  for t in $TARGETS; do
    if [[ $t == floor ]]; then
      echo "# flood: floor skipped (a forwarder has no Retry of its own)"
    else
      targets+="$t "
    fi
  done
  local stats_extra=""
  if hs_has_stats_flag; then stats_extra="--stats-interval-ms 1000"; fi
  for t in $targets; do : >"$dir/runs-$t.txt"; done
  for r in $(seq 1 "$rounds"); do
    for t in $targets; do
      echo "## flood round $r target $t (load average $(cut -d' ' -f1-3 /proc/loadavg))"
      echo "# round $r load average $(cut -d' ' -f1-3 /proc/loadavg)" >>"$dir/runs-$t.txt"
      HS_OURS_EXTRA=$stats_extra hs_start "$t"
      # Warm-up (JIT) first, not in the table: its line is kept as a comment.
      hs_java dev.ztna.server.perf.InitialFlood "$PORT" --seconds "$warm" --sockets "$sockets" \
        --label "$t-warmup" | sed 's/^/# /' | tee -a "$dir/runs-$t.txt"
      hs_java dev.ztna.server.perf.InitialFlood "$PORT" --seconds "$secs" --rate "$rate" \
        --sockets "$sockets" --label "$t" | tee -a "$dir/runs-$t.txt"
      stop_target
      if [[ $t == ours ]]; then
        # retry_sent at shutdown covers the warm-up and the measured flood: compare with the sum of
        # the two "retries" the flood received.
        hs_ours_counters | sed 's/^/# ours at shutdown: /' | tee -a "$dir/runs-$t.txt"
        if [[ -n $stats_extra ]]; then
          python3 perf/hs_table.py alloc "$OUT/target-ours.log" 0 0 | sed 's/^/# round /' | tee -a "$dir/runs-$t.txt"
        fi
      fi
    done
  done
  : >"$dir/alloc.txt"
  if [[ " $targets " == *" ours "* && $alloc_retries -gt 0 ]]; then
    if [[ -z $stats_extra ]]; then
      echo "ALLOC n/a: this server has no --stats-interval-ms" | tee "$dir/alloc.txt"
    else
      local k alloc_sockets=${ALLOC_SOCKETS:-1 4}
      for k in $alloc_sockets; do
        echo "## flood: loop-thread allocation per Retry, ours, flat out from $k socket(s) until $alloc_retries Retries"
        HS_OURS_EXTRA=$stats_extra hs_start ours
        local t0 t1
        t0=$(date +%s.%N)
        hs_java dev.ztna.server.perf.InitialFlood "$PORT" --until-retries "$alloc_retries" \
          --max-seconds "$alloc_max" --sockets "$k" --label "ours-alloc-$k" | tee -a "$dir/alloc.txt"
        t1=$(date +%s.%N)
        sleep 2.5 # one more stats line after the last Retry
        stop_target
        sleep 0.3
        cp "$OUT/target-ours.log" "$dir/target-ours-alloc-$k.log"
        grep ' stats:' "$dir/target-ours-alloc-$k.log" | grep -v 'final stats:' | sed -n '1p;$p' | sed 's/^/# /' >>"$dir/alloc.txt" || true
        python3 perf/hs_table.py alloc "$dir/target-ours-alloc-$k.log" "$t0" "$t1" "$k" | tee -a "$dir/alloc.txt"
      done
    fi
  fi
  {
    echo "Command: \`$(hs_command flood)\`"
    echo
    python3 perf/hs_table.py flood "$dir" $targets
  } | tee "$dir/table.md"
}
