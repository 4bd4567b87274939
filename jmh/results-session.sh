#!/usr/bin/env bash
# The measurement session behind jmh/RESULTS.md: the JMH benchmarks the issues' targets are judged by,
# and the NumPy/OpenBLAS peers, back to back in one session. About 15 minutes on 2 cores.
#   jmh/results-session.sh            # JSON and text logs into jmh/target/results/
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/target/results"
mkdir -p "$out"
# JMH allows one run per machine (/tmp/jmh.lock): wait for another run to finish rather than overlap it.
run() {
    local log
    log=$(mktemp)
    for _ in $(seq 1 180); do
        if "$here/run-benchmarks.sh" "$@" >"$log" 2>&1 || ! grep -q "Unable to acquire the JMH lock" "$log"; then
            cat "$log"
            rm -f "$log"
            return 0
        fi
        sleep 10
    done
    cat "$log"
    return 1
}
(cd "$here/.." && mvn -q -pl jmh -am package -DskipTests)
uptime | tee "$out/load-before.txt"
python3 "$here/numpy_bench.py" --shapes 512x4096,100x784,784x100,625x1000,4096x4096 --json "$out/numpy-blas.json" | tee "$out/numpy-blas.txt"
python3 "$here/numpy_pdhg.py" --json "$out/numpy-pdhg.json" | tee "$out/numpy-pdhg.txt"
run 'GemvBench.gemv(T)?(Reference|Simd|Scalar)$' -p shape=512x4096,100x784,784x100,625x1000,4096x4096 \
    -rf json -rff "$out/gemv.json" | tee "$out/gemv.txt"
run 'FusedGradientBench' -p shape=512x4096,100x784,4096x4096 -rf json -rff "$out/fused.json" | tee "$out/fused.txt"
run 'PdhgIterationBench' -rf json -rff "$out/pdhg-iteration.json" | tee "$out/pdhg-iteration.txt"
run 'PdhgBatchBench' -rf json -rff "$out/pdhg-batch.json" | tee "$out/pdhg-batch.txt"
run 'GemvBench.gemv(T)?Simd$|FusedGradientBench.simd$|PdhgIterationBench.fast$' -p shape=512x4096 -p threads=1 \
    -prof gc -wi 2 -i 3 -rf json -rff "$out/gc.json" | tee "$out/gc.txt"
python3 "$here/numpy_bench.py" --shapes 512x4096 --json "$out/numpy-blas-after.json" | tee "$out/numpy-blas-after.txt"
uptime | tee "$out/load-after.txt"
