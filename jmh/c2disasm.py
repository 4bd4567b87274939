#!/usr/bin/env python3
"""Disassemble C2's code for one method without hsdis.

Without the hsdis library, -XX:CompileCommand=print prints compiled code as hex words. This script takes the
last tier-4 (C2, not OSR) compilation of the method in such a log, rebuilds its bytes and runs
`objdump -D -b binary -mi386:x86-64` on them, so spills, bounds checks and the shape of a kernel's loop can be
read (RESULTS-gemm.md, fifth session).

    java ... -XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=print,dev.netinvert.kernels.simd.SimdGemm::kernelPacked \\
         -cp jmh/target/benchmarks.jar dev.netinvert.jmh.GemmCpuTime 3 64x4096x512 nt > print.log
    python3 jmh/c2disasm.py print.log > kernelPacked.s
"""
import re
import subprocess
import sys
import tempfile


def main(path):
    lines = open(path, errors="replace").read().split("\n")
    starts = [i for i, ln in enumerate(lines) if ln.startswith("Compiled method (c2)") and " % " not in ln]
    if not starts:
        sys.exit(f"{path}: no C2 (non-OSR) compilation printed")
    code, base, started = bytearray(), None, False
    word = re.compile(r"\s+0x([0-9a-f]+): ([0-9a-f]{2,4}(?:(?: \| | )[0-9a-f]{2,4})*)\s*$")
    for ln in lines[starts[-1] + 1:]:
        if ln.startswith("Compiled method"):
            break
        if "[Verified Entry Point]" in ln or "[Entry Point]" in ln:
            started = True
        elif started and ("[Stub Code]" in ln or "[Exception Handler]" in ln or "[Constant Pool" in ln):
            break
        m = word.match(ln)
        if m and started:
            addr = int(m.group(1), 16)
            data = bytes.fromhex(m.group(2).replace("|", "").replace(" ", ""))
            base = addr if base is None else base
            off = addr - base
            if off > len(code):
                code += b"\x90" * (off - len(code))
            code[off:off + len(data)] = data
    if base is None:
        sys.exit(f"{path}: no code words found after the last C2 compilation")
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(code)
        f.flush()
        out = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", f"--adjust-vma={hex(base)}", f.name],
                             capture_output=True, text=True, check=True).stdout
    print(lines[starts[-1]])
    print(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
