package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.FloatVec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A float32 test vector placed inside a larger native segment: {@value #GUARD} guard bytes, then
 * {@code misalign} more bytes, then the {@code n} floats, then {@value #GUARD} guard bytes. The view therefore
 * starts at byte offset {@code 64 + misalign}, which is not 64-aligned unless {@code misalign} is 0 mod 64,
 * and not a multiple of 4 when {@code misalign} is odd.
 *
 * <p>Every float slot not written by {@link #rewrite} (the guards, a {@link Mat}'s row padding, an output's
 * initial garbage) holds a <i>signaling</i> NaN whose payload is unique to this buffer, laid out in phase
 * with the view. A kernel that reads such a slot gets a NaN, which poisons its result; any arithmetic on it
 * yields a quiet NaN with other bits, so a kernel that writes past its range changes the guard's bytes even
 * when the value it writes was computed from the guard, and a copy that overruns brings in another buffer's
 * payload. {@link #seal()} snapshots the whole segment; the {@code assert…} methods then show which bytes a
 * kernel changed, so out-of-range writes and writes to inputs are caught byte for byte.
 */
final class Buf {
    static final int GUARD = 64;

    /** A byte whose float pattern 0xFFFFFFFF is a NaN: for resetting outputs between runs. */
    static final byte POISON = (byte) 0xFF;

    private static final AtomicInteger SERIAL = new AtomicInteger();

    final MemorySegment seg;
    final long off;
    final int n;
    private byte[] snapshot;

    private Buf(MemorySegment seg, long off, int n) {
        this.seg = seg;
        this.off = off;
        this.n = n;
    }

    /** A vector of {@code n} signaling NaNs at byte offset {@code 64 + misalign}. */
    static Buf alloc(Arena arena, int n, int misalign) {
        return allocSpan(arena, n, n, misalign);
    }

    /** A view of {@code n} floats in a segment holding {@code spanFloats} after the leading guard. */
    static Buf allocSpan(Arena arena, int n, int spanFloats, int misalign) {
        MemorySegment s = arena.allocate(GUARD + misalign + 4L * spanFloats + GUARD, 64);
        long off = GUARD + misalign;
        // Quiet bit (0x00400000) clear, mantissa non-zero: a signaling NaN.
        int bits = 0x7F80_0000 | (1 + (SERIAL.incrementAndGet() * 0x9E37) % 0x3F_FFFF);
        byte[] pattern = new byte[(int) s.byteSize()];
        for (int p = 0; p < pattern.length; p++) {
            pattern[p] = (byte) (bits >>> (8 * (int) Math.floorMod(p - off, 4L)));
        }
        MemorySegment.copy(pattern, 0, s, ValueLayout.JAVA_BYTE, 0, pattern.length);
        return new Buf(s, off, n).seal();
    }

    /** A sealed vector holding {@code data}. */
    static Buf of(Arena arena, float[] data, int misalign) {
        return alloc(arena, data.length, misalign).rewrite(data);
    }

    /** Writes {@code data} (n floats) and re-seals. */
    Buf rewrite(float[] data) {
        if (data.length != n) {
            throw new IllegalArgumentException("data: expected " + n + " floats, got " + data.length);
        }
        MemorySegment.copy(data, 0, seg, FloatVec.LAYOUT, off, n);
        return seal();
    }

    /** Writes {@code len} floats of {@code src} from {@code from} at element {@code index}; call {@link #seal()} after. */
    void writeAt(int index, float[] src, int from, int len) {
        MemorySegment.copy(src, from, seg, FloatVec.LAYOUT, off + 4L * index, len);
    }

    /** Remembers the current bytes of the whole segment, guards included. */
    Buf seal() {
        snapshot = seg.toArray(ValueLayout.JAVA_BYTE);
        return this;
    }

    float get(int i) {
        return seg.get(FloatVec.LAYOUT, off + 4L * i);
    }

    /** The n floats of the view. */
    float[] read() {
        float[] out = new float[n];
        MemorySegment.copy(seg, FloatVec.LAYOUT, off, out, 0, n);
        return out;
    }

    FloatVec vec() {
        return FloatVec.wrap(seg, off, n);
    }

    /** Fails if any byte of the segment changed since {@link #seal()}. */
    void assertUnchanged(String what) {
        assertWrittenOnlyWithin(what, 0, 0);
    }

    /** Fails if any byte outside elements {@code [from, to)} changed since {@link #seal()}. */
    void assertWrittenOnlyWithin(String what, int from, int to) {
        int lo = (int) (off + 4L * from), hi = (int) (off + 4L * to);
        byte[] now = seg.toArray(ValueLayout.JAVA_BYTE);
        int p = Arrays.mismatch(now, 0, lo, snapshot, 0, lo);
        if (p < 0) {
            p = Arrays.mismatch(now, hi, now.length, snapshot, hi, now.length);
            p = p < 0 ? -1 : hi + p;
        }
        if (p >= 0) {
            long rel = p - off;
            fail(what + ": byte " + p + " of its segment (element " + Math.floorDiv(rel, 4)
                    + " of the view, which may write only elements [" + from + ", " + to + ")) changed from "
                    + snapshot[p] + " to " + now[p]);
        }
    }

    /** The n floats of the view as they were at the last {@link #seal()}. */
    float[] snapshotFloats() {
        float[] out = new float[n];
        MemorySegment.copy(MemorySegment.ofArray(snapshot), FloatVec.LAYOUT, off, out, 0, n);
        return out;
    }
}
