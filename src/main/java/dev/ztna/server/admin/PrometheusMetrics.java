package dev.ztna.server.admin;

import dev.ztna.server.logging.Logging;
import dev.ztna.server.loop.CounterSet;
import dev.ztna.server.loop.LoopMetrics;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.status.CountersReader;

/**
 * Renders {@code /metrics}: every counter of the counters file (see {@link MetricNames}), the loop
 * heartbeat as {@code ztna_loop_heartbeat_timestamp_seconds} and {@code
 * ztna_loop_heartbeat_age_seconds}, JVM heap and GC figures, and two summaries from the loop's
 * histograms, cumulative since start: {@code ztna_loop_duty_cycle_seconds} and {@code
 * ztna_relay_latency_seconds} (quantiles 0.5, 0.9, 0.99, 0.999; the sum is the histogram's mean
 * times its count, so it carries the histogram's 1 % precision). Encoded by the Prometheus Java
 * client's text format writer (exposition format 0.0.4). One scrape at a time.
 */
final class PrometheusMetrics {
  /** Content type of the 0.0.4 text format. */
  static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};

  private final CountersReader counters;
  private final LoopMetrics loop;
  private final EpochClock clock;
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Histogram dutyCycleTotal = LoopMetrics.newHistogram();
  private final Histogram relayLatencyTotal = LoopMetrics.newHistogram();
  private Histogram dutyCycleSpare;
  private Histogram relayLatencySpare;

  PrometheusMetrics(CountersReader counters, LoopMetrics loop, EpochClock clock) {
    this.counters = counters;
    this.loop = loop;
    this.clock = clock;
  }

  private static final class Family {
    final int typeId;
    final String help;
    final List<Object> points = new ArrayList<>();

    Family(int typeId, String help) {
      this.typeId = typeId;
      this.help = help;
    }
  }

  /** One scrape, encoded. */
  synchronized byte[] scrape() throws IOException {
    List<MetricSnapshot> snapshots = new ArrayList<>();
    Map<String, Family> families = new LinkedHashMap<>();
    long now = clock.time();
    counters.forEach(
        (long value, int id, String label) -> {
          int typeId = counters.getCounterTypeId(id);
          if (typeId == CounterSet.TYPE_HEARTBEAT) {
            snapshots.add(gauge("ztna_loop_heartbeat_timestamp_seconds", value / 1000.0, help(1)));
            snapshots.add(
                gauge(
                    "ztna_loop_heartbeat_age_seconds",
                    value == 0 ? Double.NaN : Math.max(0, now - value) / 1000.0,
                    help(2)));
            return;
          }
          MetricNames.Name name = MetricNames.of(label, typeId);
          Family family =
              families.computeIfAbsent(
                  name.family, k -> new Family(typeId == 0 ? 1 : typeId, name.help));
          Labels labels =
              name.labelName == null ? Labels.EMPTY : Labels.of(name.labelName, name.labelValue);
          if (family.typeId == CounterSet.TYPE_GAUGE) {
            family.points.add(
                GaugeDataPointSnapshot.builder().value((double) value).labels(labels).build());
          } else {
            family.points.add(
                CounterDataPointSnapshot.builder().value((double) value).labels(labels).build());
          }
        });
    for (Map.Entry<String, Family> e : families.entrySet()) {
      Family f = e.getValue();
      if (f.typeId == CounterSet.TYPE_GAUGE) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(e.getKey()).help(f.help);
        for (Object p : f.points) {
          b.dataPoint((GaugeDataPointSnapshot) p);
        }
        snapshots.add(b.build());
      } else {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(e.getKey()).help(f.help);
        for (Object p : f.points) {
          b.dataPoint((CounterDataPointSnapshot) p);
        }
        snapshots.add(b.build());
      }
    }
    addJvm(snapshots);
    if (loop != null) {
      Histogram interval = loop.dutyCycleInterval(dutyCycleSpare);
      dutyCycleTotal.add(interval);
      dutyCycleSpare = interval;
      interval = loop.relayLatencyInterval(relayLatencySpare);
      relayLatencyTotal.add(interval);
      relayLatencySpare = interval;
      snapshots.add(
          summary(
              "ztna_loop_duty_cycle_seconds",
              "Time of each duty-cycle iteration that did work.",
              dutyCycleTotal));
      snapshots.add(
          summary(
              "ztna_relay_latency_seconds",
              "In-server relay latency: UDP datagram read to the end of the flush that sent the"
                  + " relayed copy.",
              relayLatencyTotal));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    writer.write(out, new MetricSnapshots(snapshots));
    return out.toByteArray();
  }

  private static String help(int which) {
    return which == 1
        ? "Epoch time of the start of the loop's last duty cycle."
        : "Seconds since the start of the loop's last duty cycle.";
  }

  private static GaugeSnapshot gauge(String name, double value, String help) {
    return GaugeSnapshot.builder()
        .name(name)
        .help(help)
        .dataPoint(GaugeDataPointSnapshot.builder().value(value).build())
        .build();
  }

  private static void addJvm(List<MetricSnapshot> snapshots) {
    snapshots.add(
        gauge(
            "ztna_jvm_heap_used_bytes",
            (double) ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
            "JVM heap in use."));
    CounterSnapshot.Builder count =
        CounterSnapshot.builder().name("ztna_jvm_gc_collections").help("GC collections.");
    CounterSnapshot.Builder time =
        CounterSnapshot.builder()
            .name("ztna_jvm_gc_collection_seconds")
            .help("Time spent in GC collections.");
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      Labels labels = Labels.of("gc", gc.getName());
      count.dataPoint(
          CounterDataPointSnapshot.builder()
              .value((double) Math.max(0, gc.getCollectionCount()))
              .labels(labels)
              .build());
      time.dataPoint(
          CounterDataPointSnapshot.builder()
              .value(Math.max(0, gc.getCollectionTime()) / 1000.0)
              .labels(labels)
              .build());
    }
    snapshots.add(count.build());
    snapshots.add(time.build());
    snapshots.add(
        CounterSnapshot.builder()
            .name("ztna_log_events_dropped")
            .help("Log events dropped by the asynchronous appender because its queue was full.")
            .dataPoint(
                CounterDataPointSnapshot.builder().value((double) Logging.droppedEvents()).build())
            .build());
  }

  private static SummarySnapshot summary(String name, String help, Histogram h) {
    long count = h.getTotalCount();
    List<Quantile> quantiles = new ArrayList<>();
    for (double q : QUANTILES) {
      quantiles.add(
          new Quantile(q, count == 0 ? Double.NaN : h.getValueAtPercentile(q * 100) / 1e9));
    }
    return SummarySnapshot.builder()
        .name(name)
        .help(help)
        .dataPoint(
            SummaryDataPointSnapshot.builder()
                .quantiles(Quantiles.of(quantiles))
                .count(count)
                .sum(count == 0 ? 0 : h.getMean() * count / 1e9)
                .build())
        .build();
  }
}
