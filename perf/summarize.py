#!/usr/bin/env python3
"""Markdown tables (medians, ratios to the floor and to the peer) from perf/results/summary-*.txt."""
import glob
import os
import sys

d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results")
lat_runs, tput_runs, tput2_runs, died = {}, {}, {}, {}
for f in sorted(glob.glob(os.path.join(d, "summary-*.txt"))):
    for line in open(f):
        w = line.split()
        if line.startswith("LAT "):
            v = {w[i]: float(w[i + 1]) for i in range(3, len(w) - 1, 2)}
            lat_runs.setdefault((w[1], int(w[2])), []).append(v)
        elif line.startswith("TPUT ") or line.startswith("TPUT2 "):
            runs = [float(x) for x in line.split("[")[1].split("]")[0].split(",")]
            (tput_runs if w[0] == "TPUT" else tput2_runs).setdefault(w[1], []).extend(runs)
            if "DIED" in w:
                died.setdefault(w[1], []).append(w[w.index("DIED") + 1])


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


lat = {}
for key, runs in lat_runs.items():
    lat[key] = {k: median([r[k] for r in runs]) for k in runs[0] if k != "lost"}
    lat[key]["lost"] = sum(r["lost"] for r in runs)
    lat[key]["n"] = len(runs)
tput = {t: (median(r), "[" + ", ".join(f"{x:.0f}" for x in r) + "]") for t, r in tput_runs.items()}

order = ["floor", "peer", "ours", "ours-backoff"]
keys = ["p50", "p90", "p99", "p99.9", "max"]
for size in sorted({s for (_, s) in lat}):
    print(f"\n**{size} B ping-pong** (round trip, microseconds; per percentile the median over the runs)\n")
    print("| target | " + " | ".join(keys) + " | lost |")
    print("|---|" + "---|" * (len(keys) + 1))
    for t in order:
        if (t, size) in lat:
            v = lat[(t, size)]
            print(f"| {t} | " + " | ".join(f"{v[k]:.0f}" for k in keys) + f" | {v['lost']:.0f} |")
    for mine in ["ours", "ours-backoff"]:
        for base in ["floor", "peer", "ours"]:
            if mine != base and (mine, size) in lat and (base, size) in lat:
                o, b = lat[(mine, size)], lat[(base, size)]
                print(f"| {mine} / {base} | " + " | ".join(f"{o[k] / b[k]:.2f}x" for k in keys) + " | |")
tput2 = {t: (median(r), "[" + ", ".join(f"{x:.0f}" for x in r) + "]") for t, r in tput2_runs.items()}
for table, title in [
    (tput, "one way (Agent to Connector), highest offered rate with <= 1% loss"),
    (tput2, "both ways at once (Agent to Connector and Connector to Agent, the rate is per direction),"
     " highest rate with <= 1% loss over both"),
]:
    if not table:
        continue
    print(f"\n**Throughput**, 1200-byte DATAGRAMs {title}\n")
    print("| target | median rate (datagrams/s) | MB/s payload | runs | ours / target |")
    print("|---|---|---|---|---|")
    for t in order:
        if t in table:
            r, runs = table[t]
            ratio = f"{table['ours'][0] / r:.2f}x" if "ours" in table and t != "ours" and r else ""
            note = f" (path died after offering {', '.join(died[t])}/s)" if t in died else ""
            print(f"| {t} | {r:.0f} | {r * 1200 / 1e6:.1f} | {runs}{note} | {ratio} |")
