#!/usr/bin/env python3
"""Markdown tables of JMH results (perf/lib/jmh.sh, issue 5).

Usage: python3 perf/jmh_table.py DIR
  Reads every DIR/jmh-jdk*.json (JMH `-rf json` output) and, when present, the command that produced
  it from DIR/jmh-jdk*.cmd; prints one section per file: the command, the JVM, then a table of
  benchmark, parameters, time per operation (score ± the 99.9% confidence half-width JMH reports)
  and B/op (the gc profiler's gc.alloc.rate.norm).
"""
import glob
import json
import math
import os
import re
import sys


def number(v):
    """JMH writes NaN/Infinity as strings."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def fmt(v):
    if math.isnan(v):
        return "n/a"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


# The gc profiler counts the bytes allocated by every thread of the fork, JMH's own included: that
# background runs at a few tens of KB/s whatever the benchmark does, so it shows up as a fraction of
# a byte per operation for fast operations and as a few bytes per operation for slow ones (or in
# short, not yet compiled runs). A real allocation on the measured path is at least one 16-byte
# object per operation, i.e. MB/s at these operation rates.
BACKGROUND_MB_PER_SEC = 0.1


def fmt_alloc(norm, rate):
    if math.isnan(norm):
        return "n/a"
    if norm < 0.5 or (not math.isnan(rate) and rate < BACKGROUND_MB_PER_SEC):
        return f"0 ({norm:.2g})"
    return f"**{norm:.1f}**"


def section(path):
    with open(path) as f:
        results = json.load(f)
    out = []
    cmd_path = path[: -len(".json")] + ".cmd"
    name = os.path.basename(path)
    out.append(f"## {name}")
    out.append("")
    if os.path.exists(cmd_path):
        with open(cmd_path) as f:
            out.append("```")
            out.append(f.read().strip())
            out.append("```")
            out.append("")
    if not results:
        out.append("(no results)")
        return out
    r0 = results[0]
    out.append(
        f"JVM: {r0.get('vmName', '?')} {r0.get('vmVersion', '?')} ({r0.get('jvm', '?')}); "
        f"JMH {r0.get('jmhVersion', '?')}, forks {r0.get('forks')}, "
        f"warm-up {r0.get('warmupIterations')} x {r0.get('warmupTime')}, "
        f"measurement {r0.get('measurementIterations')} x {r0.get('measurementTime')}"
    )
    out.append("")
    out.append("| benchmark | params | time/op ± error | B/op |")
    out.append("|---|---|---:|---:|")
    for r in results:
        bench = re.sub(r"^dev\.ztna\.server\.(perf\.)?", "", r["benchmark"])
        params = r.get("params") or {}
        ptext = ", ".join(f"{k}={v}" for k, v in params.items()) or "-"
        pm = r["primaryMetric"]
        score = number(pm.get("score"))
        err = number(pm.get("scoreError"))
        unit = pm.get("scoreUnit", "")
        secondary = r.get("secondaryMetrics") or {}
        norm = number(secondary.get("gc.alloc.rate.norm", {}).get("score"))
        rate = number(secondary.get("gc.alloc.rate", {}).get("score"))
        out.append(
            f"| {bench} | {ptext} | {fmt(score)} ± {fmt(err)} {unit} | {fmt_alloc(norm, rate)} |"
        )
    out.append("")
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    files = sorted(glob.glob(os.path.join(sys.argv[1], "jmh-jdk*.json")))
    if not files:
        print(f"no jmh-jdk*.json in {sys.argv[1]}", file=sys.stderr)
        sys.exit(1)
    lines = ["# JMH micro-benchmarks", ""]
    for path in files:
        lines.extend(section(path))
    lines.append(
        "Average time per operation (± JMH's 99.9% confidence half-width, n/a with fewer than 3 "
        "iterations); B/op is gc.alloc.rate.norm of `-prof gc`: `0 (x)` means no allocation on the "
        f"measured path (x B/op is the fork's background: gc.alloc.rate < {BACKGROUND_MB_PER_SEC} "
        "MB/s or under 0.5 B/op), a bold value is a real allocation on that path."
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
