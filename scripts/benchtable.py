#!/usr/bin/env python3
"""Turns `go test -bench` output of bench/ into the Markdown tables of
BENCHMARKS.md: the median of every sub-benchmark and, per family, the ratio of
vitals to the best peer. Usage: scripts/benchtable.py peers.txt"""
import re
import statistics
import sys
from collections import defaultdict

line = re.compile(r"^Benchmark(\w+)/([\w-]+?)(?:-\d+)?\s+\d+\s+(.*)$")
runs = defaultdict(lambda: defaultdict(list))  # family -> lib -> [(unit, value)...]
for text in open(sys.argv[1]):
    m = line.match(text.strip())
    if not m:
        continue
    family, lib, rest = m.groups()
    fields = rest.split()
    values = {fields[i + 1]: float(fields[i]) for i in range(0, len(fields) - 1, 2)}
    runs[family][lib].append(values)

def median(lib_runs, unit):
    vals = [r[unit] for r in lib_runs if unit in r]
    return statistics.median(vals) if vals else None

def fmt(v, unit):
    if v is None:
        return ""
    if unit == "ns/op":
        if v >= 1e6:
            return f"{v / 1e6:.1f} ms"
        if v >= 1e3:
            return f"{v / 1e3:.2f} µs"
        return f"{v:.1f} ns"
    return f"{v:,.0f}"

for family, libs in runs.items():
    unit = "B/histogram" if family == "HistogramMemory" else "ns/op"
    print(f"\n**{family}** ({'bytes retained per histogram' if unit != 'ns/op' else 'time per operation'})\n")
    print(f"| library | {unit} | allocs/op | vitals ÷ this |")
    print("|---|---:|---:|---:|")
    vitals = median(libs.get("vitals", []), unit)
    for lib, lib_runs in libs.items():
        v = median(lib_runs, unit)
        allocs = median(lib_runs, "allocs/op")
        ratio = f"{vitals / v:.2f}" if vitals and v and lib != "vitals" else ""
        print(f"| {lib} | {fmt(v, unit)} | {fmt(allocs, 'n') if allocs is not None else ''} | {ratio} |")
    peers = {lib: median(r, unit) for lib, r in libs.items()
             if lib not in ("vitals", "atomic", "vitals-registered", "tally-nullreporter")}
    peers = {k: v for k, v in peers.items() if v}
    if vitals and peers:
        best = min(peers, key=peers.get)
        print(f"\nvitals ÷ best peer ({best}): **{vitals / peers[best]:.2f}**")
