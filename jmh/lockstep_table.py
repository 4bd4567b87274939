#!/usr/bin/env python3
"""Turns LockstepBench's JMH JSON (one file per instruction set) and numpy_lockstep.py's JSON into the
Markdown table of jmh/RESULTS-batch.md: throughput in observations·iterations per second, lockstep against
independent single solves and against NumPy, and the GEMM rate 4·m·n·B / time.

Usage: python3 jmh/lockstep_table.py target/batch/ls-a.json+target/batch/ls-b.json:AVX-512 target/batch/lockstep-avx2.json:AVX2 \
           --numpy target/batch/numpy.json
"""
import argparse
import json
import statistics


def load(paths):
    """paths: one or more JMH JSON files joined by '+' (e.g. one per shape), of one instruction set."""
    out = {}
    for path in paths.split("+"):
        for r in json.load(open(path)):
            p = r["params"]
            key = (p["shape"], int(p["b"]), r["benchmark"].rsplit(".", 1)[1])
            raw = r["primaryMetric"]["rawData"]
            forks = [statistics.median(f) for f in raw]
            alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("rawData")
            # medians of every measured iteration of every fork: a fork still compiling in its first measured
            # second (allocating, several times slower) moves JMH's mean score but not the median
            out[key] = (statistics.median([t for f in raw for t in f]), min(forks), max(forks),
                        statistics.median([t for f in alloc for t in f]) if alloc else None)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+", help="file.json:LABEL")
    ap.add_argument("--numpy")
    a = ap.parse_args()
    numpy = {}
    if a.numpy:
        for r in json.load(open(a.numpy))["results"]:
            numpy[(r["shape"], r["B"])] = r["median_us"]
    for run in a.runs:
        path, label = run.split(":", 1)
        d = load(path)
        print(f"\n#### {label}\n")
        print("| shape | B | lockstep µs/iter, median (fork medians) | independent µs/iter | lockstep obs·it/s | independent obs·it/s "
              "| lockstep / independent | NumPy obs·it/s | lockstep / NumPy | lockstep GFLOP/s | B/op (median) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for shape in ("512x4096", "4096x4096", "100x784"):
            m, n = map(int, shape.split("x"))
            for b in (1, 2, 4, 8, 16, 32, 64, 256):
                ls, ind = d.get((shape, b, "lockstep")), d.get((shape, b, "independent"))
                if not ls:
                    continue
                lr = b / ls[0] * 1e6
                ir = b / ind[0] * 1e6 if ind else float("nan")
                npy = numpy.get((shape, b))
                nr = b / npy * 1e6 if npy else float("nan")
                gf = 4.0 * m * n * b / ls[0] / 1e3
                print(f"| {shape} | {b} | {ls[0]:.0f} ({ls[1]:.0f}-{ls[2]:.0f}) | {ind[0]:.0f} | {lr:,.0f} | {ir:,.0f} | "
                      f"{lr / ir:.2f} | {nr:,.0f} | {lr / nr:.2f} | {gf:.1f} | {ls[3] if ls[3] is not None else float('nan'):.0f} |")


if __name__ == "__main__":
    main()
