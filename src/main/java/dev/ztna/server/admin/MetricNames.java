package dev.ztna.server.admin;

import dev.ztna.server.loop.CounterSet;

/**
 * Maps a counter's stable label and type id to its Prometheus family and label, so that families
 * group what operators aggregate: every {@code drop_*} counter of both counter sets becomes {@code
 * ztna_dropped_datagrams_total{reason="..."}}, the relay's {@code relayed_*} counters become {@code
 * ztna_relayed_datagrams_total} / {@code ztna_relayed_bytes_total} with a {@code direction}, any
 * other counter {@code ztna_<label>_total}, a gauge {@code ztna_<label>}.
 */
final class MetricNames {
  /** Prefix of every family. */
  static final String PREFIX = "ztna_";

  private MetricNames() {}

  /** A family name (without {@code _total}) and an optional label. */
  static final class Name {
    final String family;
    final String labelName;
    final String labelValue;
    final String help;

    Name(String family, String labelName, String labelValue, String help) {
      this.family = family;
      this.labelName = labelName;
      this.labelValue = labelValue;
      this.help = help;
    }
  }

  static Name of(String label, int typeId) {
    if (typeId == CounterSet.TYPE_GAUGE) {
      return new Name(PREFIX + label, null, null, "Gauge " + label + ".");
    }
    if (label.startsWith("drop_")) {
      return new Name(
          PREFIX + "dropped_datagrams",
          "reason",
          label.substring("drop_".length()),
          "Datagrams dropped (or ignored), by reason.");
    }
    for (String direction : new String[] {"agent_to_connector", "connector_to_agent"}) {
      if (label.equals("relayed_" + direction + "_datagrams")) {
        return new Name(
            PREFIX + "relayed_datagrams",
            "direction",
            direction,
            "Datagrams relayed, by direction.");
      }
      if (label.equals("relayed_" + direction + "_bytes")) {
        return new Name(
            PREFIX + "relayed_bytes", "direction", direction, "Bytes relayed, by direction.");
      }
    }
    return new Name(PREFIX + label, null, null, "Counter " + label + ".");
  }
}
