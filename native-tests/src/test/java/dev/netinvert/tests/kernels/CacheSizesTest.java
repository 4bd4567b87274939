package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.internal.CacheSizes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the kernels learn one core's L2 size: sysfs's cache entries, the units they are written in, the property that
 * overrides them (the 512-bit execution sets it, see native-tests/pom.xml) and the fallback.
 */
@Tag("kernels")
class CacheSizesTest {

    @Test
    void sizesAreParsedInSysfsUnitsAndBounded() {
        assertEquals(OptionalLong.of(1024 * 1024), CacheSizes.parseSize("1024K\n"));
        assertEquals(OptionalLong.of(2 * 1024 * 1024), CacheSizes.parseSize(" 2M"));
        assertEquals(OptionalLong.of(512 * 1024), CacheSizes.parseSize("524288"));
        assertEquals(OptionalLong.of(256 * 1024), CacheSizes.parseSize("256k"));
        for (String bad : new String[] {"", "K", "1.5M", "-512K", "512KB", "abc", "32K", "65M", "99999999999999K"}) {
            assertTrue(CacheSizes.parseSize(bad).isEmpty(), () -> "'" + bad + "' must not parse");
        }
    }

    @Test
    void theFirstLevelTwoDataOrUnifiedEntryIsTheL2(@TempDir Path dir) throws IOException {
        // As on Zen 4: L1d, L1i, L2 unified, L3 unified.
        entry(dir, 0, "1", "Data", "32K");
        entry(dir, 1, "1", "Instruction", "32K");
        entry(dir, 2, "2", "Unified", "1024K");
        entry(dir, 3, "3", "Unified", "32768K");
        assertEquals(OptionalLong.of(1 << 20), CacheSizes.readSysfs(dir));
    }

    @Test
    void anInstructionL2IsSkipped(@TempDir Path dir) throws IOException {
        entry(dir, 0, "2", "Instruction", "64K");
        entry(dir, 1, "2", "Data", "512K");
        assertEquals(OptionalLong.of(512 * 1024), CacheSizes.readSysfs(dir));
    }

    @Test
    void missingOrUnreadableEntriesGiveNothing(@TempDir Path dir) throws IOException {
        assertTrue(CacheSizes.readSysfs(dir.resolve("absent")).isEmpty());
        entry(dir, 0, "1", "Data", "32K");
        assertTrue(CacheSizes.readSysfs(dir).isEmpty(), "no level-2 entry");
        entry(dir, 1, "2", "Unified", "lots");
        assertTrue(CacheSizes.readSysfs(dir).isEmpty(), "a size that does not parse");
        Files.delete(dir.resolve("index1").resolve("type"));
        assertTrue(CacheSizes.readSysfs(dir).isEmpty(), "an entry without its type file");
    }

    @Test
    void theSizeInUseIsPlausible() {
        assertTrue(CacheSizes.L2_BYTES >= 64 * 1024 && CacheSizes.L2_BYTES <= 64L << 20, () -> CacheSizes.L2_BYTES + " B");
        String property = System.getProperty(CacheSizes.PROPERTY);
        switch (CacheSizes.L2_SOURCE) {
            case "property" -> assertEquals(CacheSizes.parseSize(property).orElseThrow(), CacheSizes.L2_BYTES);
            case "fallback" -> assertEquals(CacheSizes.FALLBACK_L2_BYTES, CacheSizes.L2_BYTES);
            case "sysfs" -> assertTrue(property == null || CacheSizes.parseSize(property).isEmpty(), property);
            default -> throw new AssertionError("source " + CacheSizes.L2_SOURCE);
        }
    }

    private static void entry(Path dir, int k, String level, String type, String size) throws IOException {
        Path index = Files.createDirectories(dir.resolve("index" + k));
        Files.writeString(index.resolve("level"), level + "\n");
        Files.writeString(index.resolve("type"), type + "\n");
        Files.writeString(index.resolve("size"), size + "\n");
    }
}
