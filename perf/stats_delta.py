#!/usr/bin/env python3
"""Bytes allocated by our server's loop thread per operation, from its periodic `stats:` lines.

Usage: stats_delta.py LOG COUNTER [COUNTER...]

Takes the second `stats:` line (after start-up and the handshakes) and the last periodic one,
and prints the difference of `loop_allocated_bytes` over the difference of the sum of the named
counters (e.g. relayed_agent_to_connector_datagrams), plus the GC count between them.
"""
import re
import sys


def fields(line):
    return {k: int(v) for k, v in re.findall(r"(\w+)=(-?\d+)", line.split("stats:", 1)[1])}


def main():
    log, counters = sys.argv[1], sys.argv[2:]
    lines = [l for l in open(log, errors="replace") if " stats: " in l and "final stats" not in l]
    if len(lines) < 3:
        print(f"not enough stats lines in {log} ({len(lines)}); run longer or lower --stats-interval-ms")
        return 1
    a, b = fields(lines[1]), fields(lines[-1])
    ops = sum(b.get(c, 0) - a.get(c, 0) for c in counters)
    alloc = b["loop_allocated_bytes"] - a["loop_allocated_bytes"]
    gcs = b["gc_count"] - a["gc_count"]
    per = alloc / ops if ops else float("nan")
    print(
        f"ALLOC {'+'.join(counters)}: {ops} operations, loop thread allocated {alloc} bytes"
        f" ({per:.4f} B/op), {gcs} GCs, between stats lines 2 and {len(lines)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
