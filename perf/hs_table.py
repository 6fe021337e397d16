#!/usr/bin/env python3
"""Markdown tables for perf/lib/handshake.sh (medians over rounds, ratios ours/peer and ours/floor).

  hs_table.py handshake DIR [TARGET...] # from DIR/runs-<target>.txt (HS lines of HandshakeLoad)
  hs_table.py flood DIR [TARGET...]     # from DIR/runs-<target>.txt (FLOOD lines) and DIR/alloc.txt
  hs_table.py alloc TARGET_LOG T0 T1 # ALLOC line from the first and last `stats:` lines of our server
"""
import glob
import os
import re
import sys

ORDER = ["floor", "peer", "ours", "ours-backoff"]


def median(xs):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def kv(words, start):
    """name value pairs from words[start:] (values that parse as numbers)."""
    out = {}
    for i in range(start, len(words) - 1, 2):
        try:
            out[words[i]] = float(words[i + 1])
        except ValueError:
            pass
    return out


ONLY = []  # the targets of this run (argv after DIR); empty: every runs-*.txt in DIR


def targets(d):
    found = [os.path.basename(f)[5:-4] for f in glob.glob(os.path.join(d, "runs-*.txt"))]
    if ONLY:
        found = [t for t in found if t in ONLY]
    return [t for t in ORDER if t in found] + sorted(t for t in found if t not in ORDER)


def ratio(a, b):
    return f"{a / b:.2f}x" if b else ""


def handshake(d):
    runs = {}  # (target, c) -> [dict]
    for t in targets(d):
        for line in open(os.path.join(d, f"runs-{t}.txt")):
            w = line.split()
            if line.startswith("HS "):
                runs.setdefault((t, int(w[3])), []).append(kv(w, 4))
    conc = sorted({c for (_, c) in runs})
    keys = ["p50", "p90", "p99", "max"]
    print("**Handshakes with Retry** (ECDSA P-256, quiche clients; each connection closed with app error 0"
          " as soon as it is established; rate = completed handshakes per second of the window; latency ="
          " connect() to established, incl. the Retry round trip, ms; medians over the rounds)\n")
    print("| target | in flight | handshakes/s | per run | failed (all runs) | " + " | ".join(keys) + " |")
    print("|---|---|---|---|---|" + "---|" * len(keys))
    med = {}
    for c in conc:
        for t in targets(d):
            rs = runs.get((t, c))
            if not rs:
                continue
            m = {k: median([r[k] for r in rs]) for k in ["rate"] + keys}
            med[(t, c)] = m
            per = ", ".join(f"{r['rate']:.0f}" for r in rs)
            fails = int(sum(r["fail"] for r in rs))
            leaks = int(sum(r.get("open_after", 0) + r.get("inflight_after", 0) for r in rs))
            leak = f" ({leaks} not closed at the end)" if leaks else ""
            print(f"| {t} | {c} | {m['rate']:.0f} | [{per}] | {fails}{leak} | "
                  + " | ".join(f"{m[k] / 1000:.1f}" for k in keys) + " |")
        for other in ["peer", "floor"]:
            if ("ours", c) in med and (other, c) in med:
                a, b = med[("ours", c)], med[(other, c)]
                print(f"| ours / {other} | {c} | {ratio(a['rate'], b['rate'])} | | | "
                      + " | ".join(ratio(a[k], b[k]) for k in keys) + " |")
    print("\n(rate ratio > 1: ours completes more handshakes per second; latency ratio < 1: ours is faster)")
    comments = [line.strip() for t in targets(d) for line in open(os.path.join(d, f"runs-{t}.txt"))
                if line.startswith("# ours at shutdown: counters") and t == "ours"]
    if comments:
        print("\nOur server's counters at shutdown, last round: `" + comments[-1][len("# ours at shutdown: "):] + "`")


def counter(line, name):
    m = re.search(r"\b" + re.escape(name) + r"=(\d+)", line)
    return int(m.group(1)) if m else None


def flood(d):
    print("**Stateless Retry under an Initial flood** (raw UDP sender, 1200-byte token-less v1 Initials,"
          " random 8-byte DCID each, payload undecryptable; flat out unless a rate is given; medians over"
          " the rounds; after a JIT warm-up flood per target start)\n")
    print("| target | offered/s | Retries received/s | received / sent | per run (Retries/s) |"
          " server check |")
    print("|---|---|---|---|---|---|")
    med = {}
    for t in targets(d):
        rs, checks, warm = [], [], None
        round_alloc = []
        for line in open(os.path.join(d, f"runs-{t}.txt")):
            w = line.split()
            if line.startswith("FLOOD "):
                rs.append(dict(kv(w, 2), label=w[1]))
            elif line.startswith("# round ALLOC ") and "n/a" not in line:
                v = kv(w, 3)
                round_alloc.append(f"{v['bytes_per_retry']:.1f}")
            elif line.startswith("# FLOOD "):
                warm = kv(w, 3)
            elif line.startswith("# ours at shutdown: counters") and rs and warm:
                sent = counter(line, "retry_sent") or 0
                recv = counter(line, "datagrams_received") or 0
                got = int(rs[-1]["retries"] + warm["retries"])
                offered = int(rs[-1]["sent"] + warm["sent"])
                checks.append((sent == got, recv / offered))
        if not rs:
            continue
        m = {k: median([r[k] for r in rs]) for k in ["offered_per_s", "retries_per_s", "ratio"]}
        med[t] = m
        per = ", ".join(f"{r['retries_per_s']:.0f}" for r in rs)
        if checks:
            took = sorted(f for _, f in checks)
            check = (f"retry_sent = Retries received (warm-up + run) in {sum(1 for ok, _ in checks if ok)}/{len(checks)}"
                     f" rounds; the server read {took[0]:.0%}-{took[-1]:.0%} of the datagrams sent (see udp_rcvbuf_errors"
                     f" in the runs file: the kernel dropped the rest)")
        else:
            check = "n/a" if t != "ours" else "no counters line"
        if round_alloc:
            check += "; loop-thread bytes/Retry per round: " + ", ".join(round_alloc)
        rate = int(rs[0]["rate"])
        label = t if rate == 0 else f"{t} (offered {rate}/s)"
        print(f"| {label} | {m['offered_per_s']:.0f} | {m['retries_per_s']:.0f} | {m['ratio']:.3f} | [{per}] |"
              f" {check} |")
    for other in ["peer"]:
        if "ours" in med and other in med:
            a, b = med["ours"], med[other]
            print(f"| ours / {other} | {ratio(a['offered_per_s'], b['offered_per_s'])} |"
                  f" {ratio(a['retries_per_s'], b['retries_per_s'])} | | | |")
    print("| floor | n/a | n/a | | | a UDP forwarder has no Retry of its own |")
    alloc = os.path.join(d, "alloc.txt")
    if os.path.exists(alloc):
        text = open(alloc).read()
        fl = [line for line in text.splitlines() if line.startswith("FLOOD ")]
        al = [line for line in text.splitlines() if line.startswith("ALLOC ")]
        if al:
            print("\n**Loop-thread allocation per Retry (ours)**: flat-out floods until the count was reached, one"
                  " server start each, from the first and last periodic `stats:` lines of the server log"
                  " (`loop_allocated_bytes` and `retry_sent` deltas)\n")
            print("| source sockets | Initials sent | flood time | Retries/s | Retries (retry_sent delta) |"
                  " loop_allocated_bytes delta | bytes / Retry | after the first 10% (bytes / Retry over Retries) |"
                  " gc_count delta | idle loop bytes / stats interval |")
            print("|---|---|---|---|---|---|---|---|---|---|")
            floods = {line.split()[1]: kv(line.split(), 2) for line in fl}
            for line in al:
                a = line.split()
                if len(a) > 1 and a[1] == "n/a":
                    print(f"| {line[6:]} | | | | | | | | | |")
                    continue
                v = kv(a, 1)
                k = int(v.get("sockets", 0))
                f = floods.get(f"ours-alloc-{k}", {})
                print(f"| {k} | {int(f.get('sent', 0))} | {f.get('secs', 0):.1f} s | {f.get('retries_per_s', 0):.0f} |"
                      f" {int(v['retries'])} | {int(v['allocated'])} | {v['bytes_per_retry']:.4f} |"
                      f" {v.get('steady_bytes_per_retry', float('nan')):.4f} over {int(v.get('steady_retries', 0))} |"
                      f" {int(v['gc_delta'])} | {v['idle_bytes_per_interval']:.0f} |")


def alloc(log, t0, t1, sockets="0"):
    # Periodic lines only: the `final stats:` line comes after the loop thread ended (its allocated
    # bytes then read -1).
    lines = [line for line in open(log, errors="replace")
             if " stats: " in line and "final stats:" not in line and counter(line, "loop_allocated_bytes") is not None]
    if len(lines) < 2:
        print("ALLOC n/a: fewer than two stats lines in " + log)
        return
    first, last = lines[0], lines[-1]
    retries = (counter(last, "retry_sent") or 0) - (counter(first, "retry_sent") or 0)
    allocated = counter(last, "loop_allocated_bytes") - counter(first, "loop_allocated_bytes")
    gc = (counter(last, "gc_count") or 0) - (counter(first, "gc_count") or 0)
    # Idle baseline: consecutive stats lines with no datagram in between (before or after the flood).
    idle = []
    for a, b in zip(lines, lines[1:]):
        if counter(a, "datagrams_received") == counter(b, "datagrams_received"):
            idle.append(counter(b, "loop_allocated_bytes") - counter(a, "loop_allocated_bytes"))
    idle_per = median(idle) if idle else float("nan")
    # Steady state: from the first line with at least 10% of the Retries (JIT warm-up excluded).
    base = counter(first, "retry_sent") or 0
    steady = next((line for line in lines if (counter(line, "retry_sent") or 0) - base >= retries / 10), first)
    s_retries = (counter(last, "retry_sent") or 0) - (counter(steady, "retry_sent") or 0)
    s_alloc = counter(last, "loop_allocated_bytes") - counter(steady, "loop_allocated_bytes")
    print(f"ALLOC retries {retries} allocated {allocated} bytes_per_retry {allocated / max(retries, 1):.6f}"
          f" gc_delta {gc} idle_bytes_per_interval {idle_per} stats_lines {len(lines)}"
          f" flood_wall_seconds {float(t1) - float(t0):.1f} sockets {sockets}"
          f" steady_retries {s_retries} steady_allocated {s_alloc}"
          f" steady_bytes_per_retry {s_alloc / max(s_retries, 1):.6f}")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode in ("handshake", "flood"):
        ONLY.extend(sys.argv[3:])
    if mode == "handshake":
        handshake(sys.argv[2])
    elif mode == "flood":
        flood(sys.argv[2])
    elif mode == "alloc":
        alloc(*sys.argv[2:6])
    else:
        sys.exit("usage: hs_table.py handshake DIR [TARGET...] | flood DIR [TARGET...] | alloc LOG T0 T1 [SOCKETS]")
