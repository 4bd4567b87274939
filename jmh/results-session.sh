#!/usr/bin/env bash
# The measurement session behind jmh/RESULTS.md: the JMH benchmarks the issues' targets are judged by and
# the NumPy/OpenBLAS peers, back to back in one session, once per instruction set this machine can run:
# the CPU's own (AVX-512 on Zen 4, AVX2 on Zen 2) and, on an AVX-512 machine, again under -XX:UseAVX=2
# (HotSpot then emits AVX2 encodings only, as on Zen 2; -Dnetinvert.vector.bits=256 alone does not).
# Two forks per benchmark (fork-to-fork spread is part of the result), -prof gc for bytes per operation.
#   jmh/results-session.sh            # JSON and text logs into jmh/target/results/; about 35 minutes on 2 cores
#   ISAS="avx2" jmh/results-session.sh  # one instruction set only
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
# As in every JVM of the project (README, "JVM flags"): C2 always inlines MemorySegment.asSlice and hoists no
# check out of a loop on profile alone.
slices="-XX:CompileCommand=quiet -XX:CompileCommand=inline,jdk.internal.foreign.AbstractMemorySegmentImpl::asSlice"
slices="$slices -XX:CompileCommand=inline,jdk.internal.foreign.AbstractMemorySegmentImpl::asSliceNoCheck"
slices="$slices -XX:-UseProfiledLoopPredicate"

# The machine: model, flags that matter, the ISA HotSpot uses, load.
{
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    grep -m1 'model name' /proc/cpuinfo
    awk -F': ' '/^cpu family/ && !f {f=$2} /^model\t/ && !m {m=$2} END {print "family " f ", model " m}' /proc/cpuinfo
    echo "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512vl|avx512bw)$' | tr '\n' ' ')"
    echo "cores: $(nproc)"
    lscpu | grep -E 'L1d|L2|L3' || true
    echo "uptime: $(uptime)"
} | tee "$out/machine.txt"

# The in-process peer (MinOfBursts -Dopenblas): NumPy's own OpenBLAS, called burst by burst beside our kernels.
java=$(FIND_JDK_CALLER=results-session.sh "$here/../scripts/find-jdk.sh" 25)
openblas=$(python3 -c "import glob, os, numpy; print(glob.glob(os.path.join(os.path.dirname(numpy.__file__), os.pardir, 'numpy.libs', '*openblas*'))[0])" 2>/dev/null || true)

default_isas=native
grep -q avx512f /proc/cpuinfo && default_isas="native avx2"
for isa in ${ISAS:-$default_isas}; do
    case $isa in
        native) flags="" ;;
        avx2) flags="-XX:UseAVX=2" ;;
        *) echo "unknown ISA $isa (native|avx2)" >&2; exit 2 ;;
    esac
    # A command-line -jvmArgsAppend replaces each class's @Fork arguments, so the module and native access
    # are given again here.
    jvm="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED $slices $flags"
    common=(-f 2 -wi 3 -i 4 -prof gc -jvmArgsAppend "$jvm")
    run 'GemvBench.(gemv(T)?Simd|gemvPackedBlas)$' -p shape=512x4096,100x784,784x100,625x1000,4096x4096 "${common[@]}" \
        -rf json -rff "$out/gemv-$isa.json" | tee "$out/gemv-$isa.txt"
    run 'FusedGradientBench.simd$' -p shape=512x4096,100x784,784x100,625x1000,4096x4096 "${common[@]}" \
        -rf json -rff "$out/fused-$isa.json" | tee "$out/fused-$isa.txt"
    if [ -n "$openblas" ]; then
        # shellcheck disable=SC2086  # $jvm is a list of options
        OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell "$java" $jvm -Dwarm=3 -Dopenblas="$openblas" -Dtag="$isa" \
            -cp "$here/target/benchmarks.jar" "$here/MinOfBursts.java" gemv,gemvP,gemvT,fused \
            784x100,300x100,625x300,100x784,625x1000,512x4096,4096x4096 | tee "$out/openblas-inprocess-$isa.txt"
        # The short rows and the long ones again in the layout the library gives its own weights (rows padded to
        # 64-byte lines, one line more where the stride would be a multiple of 2 KiB: FloatMatrix.paddedLd); both
        # sides get that W, so compare our time here with OpenBLAS's contiguous one above too.
        # shellcheck disable=SC2086
        OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell "$java" $jvm -Dwarm=3 -Dopenblas="$openblas" -Dtag="$isa" \
            -Dpad=true -cp "$here/target/benchmarks.jar" "$here/MinOfBursts.java" gemv,gemvP,gemvT,fused \
            784x100,300x100,625x300,192x256,384x192,625x1000,512x4096,4096x4096 \
            | tee "$out/openblas-inprocess-padded-$isa.txt"
    fi
    run 'PdhgIterationBench.fast' -p threads=1 -p source=arena,npy,safetensors,npy-mapped "${common[@]}" \
        -rf json -rff "$out/pdhg-$isa.json" | tee "$out/pdhg-$isa.txt"
    run 'PursuitIterationBench.(fista|admm)Fast' "${common[@]}" \
        -rf json -rff "$out/pursuit-$isa.json" | tee "$out/pursuit-$isa.txt"
    # Time to steady speed (issue 10, target 7): one solve per fresh JVM, three JVMs per case.
    for case in circle lifted-cd circle lifted-cd circle lifted-cd; do
        # shellcheck disable=SC2086
        "$java" $jvm -cp "$here/target/benchmarks.jar" dev.netinvert.jmh.WarmUpCurve "$case" 2>/dev/null \
            | tee -a "$out/warmup-$isa.txt"
    done
done

# The peers, after the JMH runs, on the same machine in the same session.
python3 "$here/numpy_bench.py" --shapes 512x4096,100x784,784x100,625x1000,4096x4096 --json "$out/numpy-blas.json" \
    | tee "$out/numpy-blas.txt"
python3 "$here/numpy_pdhg.py" --json "$out/numpy-pdhg.json" | tee "$out/numpy-pdhg.txt"
python3 "$here/numpy_pursuit.py" --json "$out/numpy-pursuit.json" | tee "$out/numpy-pursuit.txt"
uptime | tee "$out/load-after.txt"
