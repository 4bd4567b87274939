package dev.netinvert.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.solvers.network.Network;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The SIMD guard end to end, in the surefire execution "scalar-executor": a JVM without
 * {@code --add-modules jdk.incubator.vector}, whose (local) executor therefore runs the scalar kernels.
 */
@Tag("scalar-executor")
class ScalarExecutorTest {

    @Test
    void aScalarExecutorIsReportedOrRefused() throws Exception {
        assertEquals("scalar", KernelProvider.getInstance().name(), "this execution runs without the Vector API module");
        try (Arena arena = Arena.ofShared()) {
            Network net = Fixtures.generator(arena);
            FloatMatrix y = Fixtures.observations(arena, net, 6, 5);
            Path model = Fixtures.writeModel(net, Fixtures.modelDir("scalar-gen"), "scalar-gen");
            Dataset<Row> obs = Fixtures.spark().createDataFrame(Fixtures.arrayRows(y), Fixtures.arraySchema()).repartition(2);
            InversionOptions warn = InversionOptions.builder().maxIterations(20).build();
            List<Row> rows = SparkInversion.invert(obs, model.toString(), "gd", warn).collectAsList();
            assertEquals(6, rows.size());
            rows.forEach(r -> assertEquals("scalar", r.getAs("kernels")));
            rows.forEach(r -> assertEquals(32, r.<Integer>getAs("vector_bits")));
            Dataset<Row> results = SparkInversion.invert(obs, model.toString(), "gd", warn).cache();
            List<String> lines = SparkInversion.checkKernels(results, false);
            assertEquals(1, lines.size(), lines.toString());
            assertTrue(lines.getFirst().matches("driver@\\S+ ran scalar kernels \\(6 rows\\)"), lines.getFirst());

            InversionOptions strict = InversionOptions.builder().maxIterations(20).requireSimd(true).build();
            Exception e = assertThrows(Exception.class,
                    () -> SparkInversion.invert(obs, model.toString(), "gd", strict).collectAsList());
            assertTrue(e.getMessage().contains("requireSimd: executor driver@") && e.getMessage().contains("runs the scalar kernels"),
                    e.getMessage());
        }
    }
}
