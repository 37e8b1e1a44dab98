#!/usr/bin/env python3
"""Turns `go test -bench` output of bench/ into the Markdown tables of
BENCHMARKS.md.

    scripts/benchtable.py results.txt                       # print the Markdown
    scripts/benchtable.py --splice BENCHMARKS.md results.txt

The input may hold several runs (-count N) at several GOMAXPROCS (-cpu 1,2):
`BenchmarkCounterInc/vitals` ran at 1 CPU, `BenchmarkCounterInc/vitals-2` at 2.
Every number is the median over the runs. Per family and CPU count, the ratio
"vitals ÷ best peer" compares the entry named `vitals` with the fastest (for
memory: smallest) peer. References are shown but never count as the best peer:
`atomic`, every `vitals-*` variant, `tally-nullreporter` (records nothing) and
`victoriametrics-prebuilt` (a name built in advance is a handle).

A summary table follows: per family and CPU count, vitals, the best peer, the
ratio, vitals' allocs/op and, for the hot-path families, whether "ratio <= 1.10
and 0 allocs/op" is met; for the memory families, whether vitals retains at
most a fifth of what go-metrics does (HistogramMemory) or 4 KiB
(HistogramMemoryWideRange).

--splice replaces what lies between the lines `<!-- bench:begin -->` and
`<!-- bench:end -->` of the Markdown file with the generated tables, and exits
non-zero, changing nothing, if the markers are missing or the input holds a
failure or no benchmark.
"""
import argparse
import os
import re
import statistics
import sys
from collections import defaultdict

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"

# Families on the hot path, held to "within 10% of the best peer, 0 allocs".
HOT = ["CounterInc", "GaugeUpdate", "GaugeFloat64Update", "MeterMark", "HistogramUpdate", "TimerUpdate", "Lookup3Tags"]
HOT += [f + "Parallel" for f in HOT]
HOT_RATIO = 1.10
# Memory families. HistogramMemory (100,000 updates of the latency stream) is
# held to issue #7's "vitals <= go-metrics / 5"; HistogramMemoryWideRange
# (values over 1 us..10 s) to issue #2's "<= 4 KiB per histogram".
MEMORY = ["HistogramMemory", "HistogramMemoryWideRange"]
MEMORY_RATIO = 0.20
MEMORY_BYTES = {"HistogramMemoryWideRange": 4096}
# The order families are printed in; unknown families follow in input order.
ORDER = [f for pair in zip(HOT[:len(HOT) // 2], HOT[len(HOT) // 2:]) for f in pair] + MEMORY + ["Snapshot100k"]

REFERENCES = {"atomic", "tally-nullreporter", "victoriametrics-prebuilt"}

LINE = re.compile(r"^Benchmark(\w+)/([\w.-]+?)(?:-(\d+))?\s+\d+\s+(.*)$")
FAILURE = re.compile(r"^(--- FAIL|FAIL\b|panic:)")


def is_reference(lib):
    return lib in REFERENCES or lib.startswith("vitals-")


def parse(lines):
    """Returns {family: {lib: {cpu: [ {unit: value} per run ]}}} and the CPU
    counts seen, in order; raises ValueError on a failure in the output."""
    runs = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    cpus = set()
    for text in lines:
        text = text.strip()
        if FAILURE.match(text):
            raise ValueError(f"the benchmark output holds a failure: {text}")
        m = LINE.match(text)
        if not m:
            continue
        family, lib, cpu, rest = m.groups()
        cpu = int(cpu) if cpu else 1
        fields = rest.split()
        values = {fields[i + 1]: float(fields[i]) for i in range(0, len(fields) - 1, 2)}
        runs[family][lib][cpu].append(values)
        cpus.add(cpu)
    return runs, sorted(cpus)


def median(samples, unit):
    vals = [s[unit] for s in samples if unit in s]
    return statistics.median(vals) if vals else None


def unit_of(family):
    return "B/histogram" if family in MEMORY else "ns/op"


def fmt(v, unit):
    if v is None:
        return "–"
    if unit == "ns/op":
        if v >= 1e6:
            return f"{v / 1e6:.1f} ms"
        if v >= 1e3:
            return f"{v / 1e3:.2f} µs"
        return f"{v:.1f} ns"
    if unit == "B/histogram":
        return f"{v:,.0f} B"
    return f"{v:,.0f}"


def cpu_label(cpu):
    return "1 CPU" if cpu == 1 else f"{cpu} CPUs"


def best_peer(libs, cpu, unit):
    """The peer with the lowest median at cpu, and that median."""
    peers = {}
    for lib, by_cpu in libs.items():
        if lib == "vitals" or is_reference(lib):
            continue
        v = median(by_cpu.get(cpu, []), unit)
        if v:
            peers[lib] = v
    if not peers:
        return None, None
    best = min(peers, key=peers.get)
    return best, peers[best]


def ordered(runs):
    known = [f for f in ORDER if f in runs]
    return known + [f for f in runs if f not in ORDER]


def family_table(family, libs, cpus, out):
    unit = unit_of(family)
    memory = unit == "B/histogram"  # allocs/op there counts building and feeding, not what is kept
    fam_cpus = [c for c in cpus if any(c in by_cpu for by_cpu in libs.values())]
    what = "bytes retained per histogram" if memory else "time per operation"
    out.append(f"**{family}** ({what})\n")
    out.append("| library | " + " | ".join(cpu_label(c) for c in fam_cpus) + ("" if memory else " | allocs/op") + " |")
    out.append("|---|" + "---:|" * len(fam_cpus) + ("" if memory else "---:|"))
    for lib, by_cpu in libs.items():
        name = f"{lib} †" if is_reference(lib) else lib
        if lib == "vitals":
            name = "**vitals**"
        cells = [fmt(median(by_cpu.get(c, []), unit), unit) for c in fam_cpus]
        if not memory:
            allocs = []
            for c in fam_cpus:
                a = median(by_cpu.get(c, []), "allocs/op")
                if a is not None and fmt(a, "n") not in allocs:
                    allocs.append(fmt(a, "n"))
            cells.append(" / ".join(allocs) or "–")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    ratios = []
    vitals = libs.get("vitals", {})
    for c in fam_cpus:
        v = median(vitals.get(c, []), unit)
        best, b = best_peer(libs, c, unit)
        if v and b:
            ratios.append(f"{cpu_label(c)} **{v / b:.2f}** ({best})")
    if ratios:
        out.append("\nvitals ÷ best peer: " + ", ".join(ratios))
    out.append("")


def summary_table(runs, cpus, out):
    out.append("**Summary**: vitals against the best peer (references excluded), per family and CPU count. "
               f"Hot paths are held to a ratio <= {HOT_RATIO:.2f} with 0 allocs/op.\n")
    out.append("| family | CPUs | vitals | best peer | vitals ÷ best | vitals allocs/op | target |")
    out.append("|---|---:|---:|---|---:|---:|---|")
    for family in ordered(runs):
        libs = runs[family]
        unit = unit_of(family)
        vitals = libs.get("vitals", {})
        for c in cpus:
            v = median(vitals.get(c, []), unit)
            if v is None:
                continue
            best, b = best_peer(libs, c, unit)
            allocs = median(vitals.get(c, []), "allocs/op")
            ratio = v / b if b else None
            target = "–"
            if family in HOT and ratio is not None:
                target = "met" if ratio <= HOT_RATIO and allocs == 0 else "**missed**"
            out.append(f"| {family} | {c} | {fmt(v, unit)} | {best or '–'} ({fmt(b, unit)}) | "
                       f"{f'{ratio:.2f}' if ratio is not None else '–'} | "
                       f"{fmt(allocs, 'n') if allocs is not None and unit != 'B/histogram' else '–'} | {target} |")
    out.append("")
    rows = []
    for family in [f for f in MEMORY if f in runs]:
        libs = runs[family]
        for c in cpus:
            g = median(libs.get("gometrics", {}).get(c, []), "B/histogram")
            for lib in ("vitals", "vitals-registered"):
                m = median(libs.get(lib, {}).get(c, []), "B/histogram")
                if m is None or not g:
                    continue
                limit = MEMORY_BYTES.get(family)
                if limit:
                    ok, rule = m <= limit, f"<= {limit:,} B"
                else:
                    ok, rule = m / g <= MEMORY_RATIO, f"ratio <= {MEMORY_RATIO:.2f}"
                rows.append(f"| {family} | {c} | {lib} | {fmt(m, 'B/histogram')} | {fmt(g, 'B/histogram')} | "
                            f"{m / g:.3f} | {rule}: {'met' if ok else '**missed**'} |")
    if rows:
        out.append(f"**Memory**: after 100,000 updates of the latency stream vitals must retain at most "
                   f"1/{round(1 / MEMORY_RATIO)} of what go-metrics does; a histogram of values over "
                   f"1 µs..10 s at most 4 KiB.\n")
        out.append("| family | CPUs | entry | vitals | gometrics | vitals ÷ gometrics | target |")
        out.append("|---|---:|---|---:|---:|---:|---|")
        out.extend(rows)
        out.append("")


def render(runs, cpus, source):
    out = [f"<!-- Generated by scripts/benchtable.py from {source} (make bench); edit the script, not this. -->\n"]
    n = max((len(s) for libs in runs.values() for by_cpu in libs.values() for s in by_cpu.values()), default=0)
    out.append(f"Medians of {n} runs. † marks a reference, shown for comparison but never counted as the best peer.\n")
    summary_table(runs, cpus, out)
    for family in ordered(runs):
        family_table(family, runs[family], cpus, out)
    return "\n".join(out).rstrip() + "\n"


def splice(path, generated):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    begin, end = text.find(BEGIN), text.find(END)
    if begin < 0 or end < 0 or end < begin:
        raise ValueError(f"{path}: the markers {BEGIN} and {END} are missing or out of order; "
                         "put them where the generated tables belong")
    if text.find(BEGIN, begin + 1) >= 0 or text.find(END, end + 1) >= 0:
        raise ValueError(f"{path}: the markers {BEGIN} and {END} must appear once each")
    head = text[: begin + len(BEGIN)]
    tail = text[end:]
    new = head + "\n" + generated + tail
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(new)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("results", help="go test -bench output")
    p.add_argument("--splice", metavar="MARKDOWN", help="write the tables between the bench markers of this file")
    args = p.parse_args()
    try:
        with open(args.results, encoding="utf-8") as f:
            runs, cpus = parse(f)
        if not runs:
            raise ValueError(f"{args.results}: no benchmark results")
        generated = render(runs, cpus, args.results)
        if args.splice:
            splice(args.splice, generated)
            print(f"{args.splice}: tables regenerated from {args.results}")
        else:
            sys.stdout.write(generated)
    except (OSError, ValueError) as e:
        print(f"benchtable: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
