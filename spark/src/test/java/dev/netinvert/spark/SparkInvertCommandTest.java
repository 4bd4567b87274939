package dev.netinvert.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.network.Network;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spark-invert}: .npy and Parquet in, Parquet out, exit codes. */
class SparkInvertCommandTest {

    @TempDir
    Path dir;

    @Test
    void npyAndParquetInputsGiveTheSameParquetResults() throws Exception {
        SparkSession spark = Fixtures.spark();
        try (Arena arena = Arena.ofShared()) {
            Network net = Fixtures.generator(arena);
            FloatMatrix y = Fixtures.observations(arena, net, 24, 3);
            Path model = Fixtures.writeModel(net, Fixtures.modelDir("cli-gen"), "cli-gen");
            Path npy = dir.resolve("y.npy"), parquet = dir.resolve("y.parquet");
            Npy.write(npy, y);
            spark.createDataFrame(Fixtures.binaryRows(y), Fixtures.binarySchema()).write().parquet(parquet.toString());
            String a = dir.resolve("a.parquet").toString(), b = dir.resolve("b.parquet").toString();
            assertEquals(0, SparkInvertCommand.run("--observed", npy.toString(), "--model", model.toString(), "--method", "gd",
                    "--max-iter", "200", "--out", a, "--master", "local[2]", "--partitions", "3", "--require-simd"));
            assertEquals(0, SparkInvertCommand.run("--observed", parquet.toString(), "--model", model.toString(), "--method",
                    "gd", "--max-iter", "200", "--out", b, "--master", "local[2]"));
            List<Row> ra = sorted(spark.read().parquet(a).collectAsList()), rb = sorted(spark.read().parquet(b).collectAsList());
            assertEquals(24, ra.size());
            for (int i = 0; i < 24; i++) {
                assertEquals(i, ra.get(i).getLong(0));
                assertNull(ra.get(i).getAs("error"));
                assertEquals(200, ra.get(i).<Integer>getAs("iterations"), "gd runs its whole budget on a noiseless y");
                // gd is deterministic too, but two runs may differ in the last bit (SameResults): compare loosely here.
                assertArrayEquals(floats(ra.get(i)), floats(rb.get(i)), 1e-5f, "row " + i);
            }
            // --out exists: refused (a failure, exit 1), unless --overwrite.
            assertEquals(1, SparkInvertCommand.run("--observed", npy.toString(), "--model", model.toString(), "--method", "gd",
                    "--max-iter", "10", "--out", a, "--master", "local[2]"));
            assertEquals(0, SparkInvertCommand.run("--observed", npy.toString(), "--model", model.toString(), "--method", "gd",
                    "--max-iter", "10", "--out", a, "--master", "local[2]", "--overwrite"));
            assertEquals(10, spark.read().parquet(a).first().<Integer>getAs("iterations"));
            // Bad arguments: exit 2.
            assertEquals(2, SparkInvertCommand.run("--observed", npy.toString(), "--model", model.toString(), "--method",
                    "oracle", "--out", dir.resolve("c").toString(), "--master", "local[2]"));
            assertEquals(2, SparkInvertCommand.run("--observed", dir.resolve("none.npy").toString(), "--model",
                    model.toString(), "--method", "gd", "--out", dir.resolve("c").toString(), "--master", "local[2]"));
        }
    }

    private static List<Row> sorted(List<Row> rows) {
        List<Row> r = new ArrayList<>(rows);
        r.sort(Comparator.comparingLong(x -> x.getLong(0)));
        return r;
    }

    private static float[] floats(Row r) {
        List<Float> s = r.getList(r.fieldIndex("solution"));
        float[] a = new float[s.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = s.get(i);
        }
        return a;
    }
}
