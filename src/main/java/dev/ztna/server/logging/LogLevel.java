package dev.ztna.server.logging;

/** The root log level. */
public enum LogLevel {
  TRACE,
  DEBUG,
  INFO,
  WARN,
  ERROR
}
