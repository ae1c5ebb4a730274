#!/usr/bin/env python3
"""Where the CPU went, by category and by process, from a system-wide `perf record -g` of a loaded cluster.

Usage (nodes started with DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 so perf can name JIT code):
    perf record -e cpu-clock -F 499 -a -g -o perf.data -- sleep 6
    perf script -i perf.data -F comm,pid,tid,ip,sym,dso > perf.txt
    bench/perf-breakdown.py perf.txt

Each sample is put in the first category whose pattern appears anywhere in its stack, in the order below, so the
categories add up to 100 %. Unwinding stops inside stripped native libraries (libcrypto), which is why OpenSSL work is
recognised by its library rather than by the managed caller.
"""
import collections
import re
import sys

CATEGORIES = [
    ("thread-pool spin (sched_yield)", ("sched_yield",)),
    ("idle", ("pv_native_safe_halt",)),
    ("fsync", ("fsync", "fdatasync")),
    ("jit", ("libclrjit", "Tiered")),
    ("ecdsa / openssl", ("ECDsa", "EcDsa", "libcrypto")),
    ("sha-256 / merkle", ("Hash32", "SHA256", "Merkle")),
    ("sqlite", ("Sqlite", "sqlite")),
    ("gc", ("gc_heap", "GCHeap", "WKS::", "SVR::")),
    ("http (kestrel)", ("Kestrel", "AspNetCore")),
    ("kernel networking", ("tcp_", "sock", "__send", "recv", "epoll")),
    ("aegis", ("Aegis",)),
]


def classify(frames):
    stack = " | ".join(frames)
    for name, patterns in CATEGORIES:
        if any(p in stack for p in patterns):
            return name
    return "other (kernel, libc, runtime)"


def main(path):
    by_category = collections.Counter()
    by_process = collections.defaultdict(collections.Counter)
    for sample in open(path, encoding="utf-8", errors="replace").read().split("\n\n"):
        lines = [line for line in sample.strip().split("\n") if line.strip()]
        if len(lines) < 2:
            continue
        match = re.search(r"\s(\d+)/\d+", lines[0])
        pid = match.group(1) if match else "?"
        frames = [line.strip().split(" ", 1)[-1] for line in lines[1:]]
        category = classify(frames)
        by_category[category] += 1
        by_process[pid][category] += 1
    total = sum(by_category.values())
    if total == 0:
        sys.exit(f"{path}: no samples (was perf script run with -F comm,pid,tid,ip,sym,dso?)")
    print(f"{total} samples")
    for name, count in by_category.most_common():
        print(f"  {name:32} {100 * count / total:5.1f} %")
    print("by process (share of all samples; top categories):")
    for pid, counts in sorted(by_process.items(), key=lambda kv: -sum(kv[1].values()))[:8]:
        n = sum(counts.values())
        top = ", ".join(f"{k} {100 * v / total:.1f}" for k, v in counts.most_common(4))
        print(f"  pid {pid:>7} {100 * n / total:5.1f} %  ({top})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
