# perf/run.sh jmh [BENCHMARK_REGEX...]
#   JMH micro-benchmarks (issue 5 item 4) with the gc profiler: by default all of them (AeadBench,
#   HeaderProtectionBench, CodecBench, PacketProtectionBench, CidLookupBench), else those matching
#   the regexes. Runs on $JAVA (the forked benchmark JVMs too, `-jvm`), so JAVA=/path/to/jdk25/bin/java
#   gives the JDK 25 numbers; each fork gets --add-opens java.base/com.sun.crypto.provider from the
#   benches' @Fork(jvmArgsAppend) (and inherits it from this host JVM's $OPENS).
#   JMH_OPTS (default "-f 1 -wi 3 -i 5 -w 1s -r 1s", about 7 minutes for everything) sets forks and
#   iterations; e.g. JMH_OPTS="-f 1 -wi 1 -i 1 -w 200ms -r 200ms" for a smoke run, or add
#   "-p suite=aes,chacha" to a PacketProtectionBench run.
#   Output: $OUT/jmh/jmh-jdk<major>.txt (JMH's text), .json (-rf json), .cmd (the command), and
#   $OUT/jmh/table.md (perf/jmh_table.py over every jmh-jdk*.json there: one table per JDK).
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
  local javabin jdk opts
  javabin=$(readlink -f "$(command -v "$JAVA")")
  jdk=$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  opts=${JMH_OPTS:--f 1 -wi 3 -i 5 -w 1s -r 1s}
  local base="$dir/jmh-jdk$jdk"
  # shellcheck disable=SC2086 # $OPENS and $opts are word lists
  local cmd=("$javabin" $OPENS -cp "$CP" org.openjdk.jmh.Main "$@" -prof gc $opts -jvm "$javabin"
    -rf json -rff "$base.json")
  {
    echo "JAVA=$JAVA JMH_OPTS=\"$opts\" perf/run.sh jmh $*"
    echo "# = ${cmd[*]}" | sed "s#$CP#target/classes:target/test-classes:\$(cat target/perf.classpath)#"
    echo "# machine: nproc=$(nproc) load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  } >"$base.cmd"
  cat "$base.cmd"
  "${cmd[@]}" 2>&1 | tee "$base.txt"
  python3 perf/jmh_table.py "$dir" >"$dir/table.md"
  cat "$dir/table.md"
}
