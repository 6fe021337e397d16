package dev.ztna.server.logging;

/** How log lines are written to the console. */
public enum LogFormat {
  /** {@code timestamp level [thread] logger - message}, one line per event. */
  TEXT,
  /** One JSON object per line (logback's {@code JsonEncoder}), for Loki or Elasticsearch. */
  JSON
}
