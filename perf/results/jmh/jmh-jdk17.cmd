JAVA=java JMH_OPTS="-f 1 -wi 3 -i 5 -w 1s -r 1s" perf/run.sh jmh 
# = /usr/lib/jvm/java-17-openjdk-amd64/bin/java --add-opens java.base/com.sun.crypto.provider=ALL-UNNAMED -cp target/classes:target/test-classes:$(cat target/perf.classpath) org.openjdk.jmh.Main -prof gc -f 1 -wi 3 -i 5 -w 1s -r 1s -jvm /usr/lib/jvm/java-17-openjdk-amd64/bin/java -rf json -rff perf/results/jmh/jmh-jdk17.json
# machine: nproc=2 load average at start: 2.28 2.39 2.31
