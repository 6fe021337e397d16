#!/usr/bin/env python3
"""Markdown tables for the idle-connections scenario (perf/lib/idle.sh) from $OUT/idle/*-nN-runR.*"""
import glob
import os
import re
import sys

d = sys.argv[1] if len(sys.argv) > 1 else "perf/results/idle"
ORDER = ["floor", "peer", "ours", "ours-backoff"]
runs = {}  # (target, n) -> list of dicts
for f in sorted(glob.glob(os.path.join(d, "*-n*-run*.txt"))):
    m = re.match(r"(.+)-n(\d+)-run(\d+)\.txt$", os.path.basename(f))
    if not m:
        continue
    t, n, r = m.group(1), int(m.group(2)), int(m.group(3))
    v = {"round": r}
    for line in open(f, errors="replace"):
        w = line.split()
        if line.startswith("LAT "):
            kv = {w[i]: float(w[i + 1]) for i in range(3, len(w) - 1, 2)}
            v[("lat", int(w[2]))] = kv
        elif line.startswith("IDLE ") and len(w) > 3 and w[3] == "connected":
            kv = {w[i]: float(w[i + 1]) for i in range(3, len(w) - 1, 2)}
            v["connected"], v["failed"], v["connect_ms"] = kv["connected"], kv["failed"], kv["ms"]
            v["load_rss_mb"] = kv.get("load_rss_mb")
        elif line.startswith("LOAD FAILED"):
            v["load_failed"] = line[len("LOAD FAILED "):].strip()[:80]
        elif line.startswith("IDLE_END "):
            kv = {w[i]: float(w[i + 1]) for i in range(3, len(w) - 1, 2)}
            v["still_open"], v["closed_early"] = kv["still_open"], kv["closed_early"]
    heap = f[: -len(".txt")] + ".heap"
    if os.path.exists(heap):
        used = 0
        found = False
        for line in open(heap, errors="replace"):
            hm = re.match(r"\s*(\S.*?)\s+total (\d+)K, used (\d+)K", line)
            if hm and "space" not in hm.group(1) and "Metaspace" not in hm.group(1):
                used += int(hm.group(3))
                found = True
        if found:
            v["heap_kb"] = used
    mem = f[: -len(".txt")] + ".mem"
    if os.path.exists(mem):
        w = open(mem).read().split()
        if "rss_kb" in w and w[w.index("rss_kb") + 1].isdigit():
            v["rss_kb"] = int(w[w.index("rss_kb") + 1])
        if "fds" in w:
            v["fds"] = int(w[w.index("fds") + 1])
        if "target_oom" in w:
            v["oom"] = int(w[w.index("target_oom") + 1])
        if "target_alive" in w:
            v["alive"] = int(w[w.index("target_alive") + 1])
    tlog = f[: -len(".txt")] + ".target.log"
    if os.path.exists(tlog):
        text = open(tlog, errors="replace").read()
        for key in ["connections_accepted", "handshakes_completed"]:
            km = re.search(key + r"=(\d+)", text)
            if km:
                v[key] = int(km.group(1))
    runs.setdefault((t, n), []).append(v)


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def med(t, n, key, sub=None):
    rs = runs.get((t, n), [])
    if sub is None:
        return median([r.get(key) for r in rs])
    return median([r[key][sub] for r in rs if key in r and sub in r[key]])


def fmt(x, digits=0):
    return "-" if x is None else f"{x:.{digits}f}"


def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


cmd = os.path.join(d, "command.txt")
if os.path.exists(cmd):
    print("Command: `" + open(cmd).readline().strip() + "`\n")
    print("Targets: " + open(cmd).readlines()[1].strip() + "\n")
targets = [t for t in ORDER if any(k[0] == t for k in runs)]
ns = sorted({k[1] for k in runs})
sizes = sorted({k[1] for rs in runs.values() for r in rs for k in r if isinstance(k, tuple)})
pcts = ["p50", "p99", "p99.9"]

print("**Ping-pong round trip with N idle connections open** (microseconds, median over the rounds;")
print("in brackets: vs the same target with N = 0)\n")
head = [f"{s} B {p}" for s in sizes for p in pcts]
print("| N | target | rounds | " + " | ".join(head) + " | lost |")
print("|---|---|---|" + "---|" * (len(head) + 1))
for n in ns:
    for t in targets:
        if (t, n) not in runs:
            continue
        cells = []
        for s in sizes:
            for p in pcts:
                x = med(t, n, ("lat", s), p)
                cells.append(fmt(x) + ("" if n == 0 else f" ({ratio(x, med(t, 0, ('lat', s), p))})"))
        lost = sum(r.get(("lat", s), {}).get("lost", 0) for r in runs[(t, n)] for s in sizes)
        print(f"| {n} | {t} | {len(runs[(t, n)])} | " + " | ".join(cells) + f" | {lost:.0f} |")
    for base in ["floor", "peer"]:
        if ("ours", n) in runs and (base, n) in runs:
            cells = [
                ratio(med("ours", n, ("lat", s), p), med(base, n, ("lat", s), p))
                for s in sizes
                for p in pcts
            ]
            print(f"| {n} | ours / {base} | | " + " | ".join(cells) + " | |")

print("\n**Memory and connecting** (target process: heap used after `jcmd GC.run`, from `GC.heap_info`;")
print("RSS and open fds with the N connections open; median over the rounds)\n")
print(
    "| N | target | heap used (MiB) | heap per idle connection (bytes, vs N = 0) | RSS (MiB) |"
    " RSS per connection (KiB) | fds | connect time (s) | connects/s | failed | still open at end |"
    " closed early | load RSS (MiB) | notes |"
)
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
per_conn = {}


def rate(t, n):
    c, ms = med(t, n, "connected"), med(t, n, "connect_ms")
    return c / (ms / 1000) if c and ms else None


def note(r):
    out = []
    if r.get("oom"):
        out.append("target OutOfMemoryError")
    if r.get("alive") == 0:
        out.append("target died")
    if "connected" not in r:
        out.append("no IDLE line (load failed)")
    elif r.get("failed"):
        out.append(f"{r['connected']:.0f} connected, {r['failed']:.0f} failed")
    acc, hs = r.get("connections_accepted"), r.get("handshakes_completed")
    if acc is not None and hs is not None and acc != hs:
        out.append(f"target accepted {acc} connections, {hs} completed the handshake")
    if r.get("load_failed"):
        out.append("load failed: " + r["load_failed"])
    return "; ".join(out)


for n in ns:
    for t in targets:
        if (t, n) not in runs:
            continue
        rs = runs[(t, n)]
        heap, heap0 = med(t, n, "heap_kb"), med(t, 0, "heap_kb")
        rss, rss0 = med(t, n, "rss_kb"), med(t, 0, "rss_kb")
        conn = med(t, n, "connected")
        hpc = (heap - heap0) * 1024 / conn if conn and heap is not None and heap0 is not None else None
        rpc = (rss - rss0) / conn if conn and rss is not None and rss0 is not None else None
        per_conn[(t, n)] = (hpc, rpc)
        ct = med(t, n, "connect_ms")
        failed = sum(r.get("failed", 0) for r in rs)
        still = median([r.get("still_open") for r in rs])
        early = sum(r.get("closed_early", 0) for r in rs)
        print(
            f"| {n} | {t} | {fmt(heap / 1024 if heap is not None else None, 1)} | {fmt(hpc)} |"
            f" {fmt(rss / 1024 if rss is not None else None, 1)} | {fmt(rpc, 1)} |"
            f" {fmt(med(t, n, 'fds'))} | {fmt(ct / 1000 if ct is not None else None, 1)} |"
            f" {fmt(conn / (ct / 1000) if conn and ct else None)} | {failed:.0f} | {fmt(still)} | {early:.0f} |"
            f" {fmt(med(t, n, 'load_rss_mb'))} |"
            + " "
            + "; ".join(f"round {r['round']}: {note(r)}" for r in rs if note(r))
            + " |"
        )
    for base in ["floor", "peer"]:
        if n and ("ours", n) in per_conn and (base, n) in per_conn:
            o, b = per_conn[("ours", n)], per_conn[(base, n)]
            print(
                f"| {n} | ours / {base} | {ratio(med('ours', n, 'heap_kb'), med(base, n, 'heap_kb'))} |"
                f" {ratio(o[0], b[0]) if base != 'floor' else 'n/a'} |"
                f" {ratio(med('ours', n, 'rss_kb'), med(base, n, 'rss_kb'))} |"
                f" {ratio(o[1], b[1]) if base != 'floor' else 'n/a'} | | |"
                f" {ratio(rate('ours', n), rate(base, n))} | | | | | |"
            )
print(
    "\nThe floor keeps state per client address (one upstream socket each), not per QUIC connection:"
    " the idle connections share one local UDP socket per 100, so N = 10000 is 100 floor entries and"
    " its per-connection figures are ~0 (no per-connection ratio against it). With --io"
    " nio-connected ours holds one connected UDP socket per connection (the fds column); with the"
    " default --io nio it holds none. Heap per connection = (heap with N - median heap"
    " with N = 0) / connections that connected."
)
