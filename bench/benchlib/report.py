"""Statistics and Markdown tables. Ratios are peer / banyan: above 1 means
banyan is faster (or smaller), below 1 means the peer is."""
import math
import statistics

PENDING = "pending"


def p95(values):
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _ms(ns):
    return f"{ns / 1e6:.2f}"


def _mib(kib):
    return f"{kib / 1024:.1f}"


def _ratio(value, base):
    if base is None or not base or value is None:
        return "–"
    return f"{value / base:.2f}×"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _placeholder(result, width):
    text = result.get("error", PENDING) if isinstance(result, dict) else PENDING
    text = PENDING if text == PENDING else "failed: " + text.splitlines()[0][:80]
    return [text] + ["–"] * (width - 1)


def respawn_summary(result):
    s = result["samples_ns"]
    return {"n": len(s), "median": statistics.median(s), "p95": p95(s), "max": max(s),
            "min": min(s), "timeouts": result["timeouts"]}


def respawn_table(results, peers):
    base = results.get("banyan")
    base = respawn_summary(base) if base and base.get("samples_ns") else None
    rows = []
    for peer in peers:
        r = results.get(peer)
        if not r or not r.get("samples_ns"):
            rows.append([peer] + _placeholder(r, 8))
            continue
        s = respawn_summary(r)
        rows.append([peer, s["n"], s["timeouts"], _ms(s["min"]), _ms(s["median"]), _ms(s["p95"]),
                     _ms(s["max"]), _ratio(s["median"], base and base["median"]),
                     _ratio(s["p95"], base and base["p95"])])
    return _table(["supervisor", "kills", "timeouts", "min ms", "median ms", "p95 ms", "max ms",
                   "median ÷ banyan", "p95 ÷ banyan"], rows)


def idle_table(results, peers):
    """The kills made after IDLE_GAP seconds without a kill."""
    def summary(r):
        s = r.get("idle_samples_ns") if r else None
        return {"n": len(s), "min": min(s), "median": statistics.median(s), "max": max(s)} if s else None
    base = summary(results.get("banyan"))
    rows = []
    for peer in peers:
        s = summary(results.get(peer))
        if s is None:
            rows.append([peer] + _placeholder(results.get(peer), 5))
            continue
        rows.append([peer, s["n"], _ms(s["min"]), _ms(s["median"]), _ms(s["max"]),
                     _ratio(s["median"], base and base["median"])])
    return _table(["supervisor", "kills", "min ms", "median ms", "max ms", "median ÷ banyan"], rows)


def memory_table(results, peers, sizes):
    rows = []
    for n in sizes:
        base = results.get("banyan", {}).get(n)
        base_pss = base.get("pss_kib") if base else None
        for peer in peers:
            r = results.get(peer, {}).get(n)
            if not r or "pss_kib" not in r:
                rows.append([peer, n] + _placeholder(r, 5))
                continue
            rows.append([peer, n, r["processes"], r.get("threads", "?"), _mib(r["rss_kib"]),
                         _mib(r["pss_kib"]), _ratio(r["pss_kib"], base_pss)])
    return _table(["supervisor", "services", "processes", "threads", "RSS MiB", "PSS MiB",
                   "PSS ÷ banyan"], rows)


def startup_summary(runs):
    all_up = [r["all_ns"] for r in runs]
    return {"median": statistics.median(all_up), "min": min(all_up), "max": max(all_up),
            "first": statistics.median(r["first_ns"] for r in runs), "runs": len(runs),
            "cpu": statistics.median(r.get("cpu_s", 0) for r in runs)}


def startup_table(results, peers, n):
    base = results.get("banyan")
    base = startup_summary(base["runs"]) if base and base.get("runs") else None
    rows = []
    for peer in peers:
        r = results.get(peer)
        if not r or not r.get("runs"):
            rows.append([peer] + _placeholder(r, 8))
            continue
        s = startup_summary(r["runs"])
        rows.append([peer, s["runs"], _ms(s["first"]), _ms(s["median"]), _ms(s["min"]),
                     _ms(s["max"]), _ratio(s["median"], base and base["median"]),
                     f"{s['cpu']:.2f}", _ratio(s["cpu"], base and base["cpu"])])
    return _table(["supervisor", "runs", "first up ms", f"all {n} up ms (median)", "min ms",
                   "max ms", "÷ banyan", "CPU s", "CPU ÷ banyan"], rows)
