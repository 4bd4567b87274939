package dev.netinvert.kernels.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * The size of one core's level-2 cache, for the kernels whose blocking depends on it (not API: the package is
 * internal to the kernels). The JDK does not report cache sizes, so it is read once from Linux's sysfs, the
 * files {@code lscpu} reads: the first {@code /sys/devices/system/cpu/cpu0/cache/index<k>} whose {@code level}
 * is 2 and whose {@code type} is {@code Unified} or {@code Data}, its {@code size} ("1024K").
 *
 * <p>Where that cannot be read (another OS, a container without sysfs) it is {@link #FALLBACK_L2_BYTES}, the
 * smaller L2 of the machines the kernels are measured on; the system property {@value #PROPERTY} (bytes)
 * overrides both. A size outside [{@value #MIN_BYTES}, {@value #MAX_BYTES}] bytes is taken as unreadable.
 */
public final class CacheSizes {
    private CacheSizes() {}

    /** The system property that sets the L2 size in bytes, overriding what sysfs says. */
    public static final String PROPERTY = "netinvert.cache.l2";

    /** Zen 2 and Zen 3's 512 KiB per core; Zen 4 has 1 MiB (jmh/MACHINES.md). */
    public static final long FALLBACK_L2_BYTES = 512 * 1024;

    static final long MIN_BYTES = 64 * 1024, MAX_BYTES = 64L * 1024 * 1024;

    private static final Path CPU0_CACHE = Path.of("/sys/devices/system/cpu/cpu0/cache");

    /** Bytes of one core's L2: the property, else sysfs, else {@link #FALLBACK_L2_BYTES}. */
    public static final long L2_BYTES;

    /** Where {@link #L2_BYTES} came from, for the self-check: "property", "sysfs" or "fallback". */
    public static final String L2_SOURCE;

    static {
        String property = System.getProperty(PROPERTY);
        OptionalLong set = property == null ? OptionalLong.empty() : parseSize(property);
        if (property != null && set.isEmpty()) {
            System.getLogger("dev.netinvert.kernels").log(System.Logger.Level.WARNING, "-D" + PROPERTY + "="
                    + property.trim() + " ignored: expected bytes, or a number with K or M, between "
                    + MIN_BYTES + " and " + MAX_BYTES + " bytes");
        }
        OptionalLong read = set.isPresent() ? set : readSysfs(CPU0_CACHE);
        L2_BYTES = read.orElse(FALLBACK_L2_BYTES);
        L2_SOURCE = set.isPresent() ? "property" : read.isPresent() ? "sysfs" : "fallback";
    }

    /** The L2 size that {@code cacheDir}'s {@code index<k>} entries give, if one of them is a readable L2. */
    public static OptionalLong readSysfs(Path cacheDir) {
        for (int k = 0; k < 8; k++) {
            Path index = cacheDir.resolve("index" + k);
            try {
                if (!Files.isDirectory(index)) {
                    break;
                }
                String level = Files.readString(index.resolve("level")).trim();
                String type = Files.readString(index.resolve("type")).trim();
                if (level.equals("2") && (type.equals("Unified") || type.equals("Data"))) {
                    return parseSize(Files.readString(index.resolve("size")));
                }
            } catch (IOException | SecurityException | UnsupportedOperationException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    /**
     * "1024K", "1M", "524288" (bytes; K and M are binary, as sysfs writes them; surrounding blanks ignored) as bytes,
     * if within [{@value #MIN_BYTES}, {@value #MAX_BYTES}]; empty for anything else.
     */
    public static OptionalLong parseSize(String text) {
        String s = text.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (s.endsWith("K")) {
            unit = 1024;
        } else if (s.endsWith("M")) {
            unit = 1024 * 1024;
        }
        if (unit != 1) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.isEmpty() || s.length() > 12 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalLong.empty();
        }
        long bytes = Long.parseLong(s) * unit;
        return bytes >= MIN_BYTES && bytes <= MAX_BYTES ? OptionalLong.of(bytes) : OptionalLong.empty();
    }
}
