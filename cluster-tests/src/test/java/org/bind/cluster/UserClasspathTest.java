package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class path {@code bin/bindrun --print-classpath} prints (the script's {@code bind_user_classpath}, called
 * here without the build step) compiles a program that uses bind-linalg and bind-mapreduce, and runs it: a GEMM
 * of tiled matrices equal to the plain triple loop, and a sort equal to {@code Arrays.sort}.
 */
class UserClasspathTest {
    private static final String PROGRAM = """
        import java.util.Arrays;
        import java.util.Random;
        import org.bind.Bind;
        import org.bind.linalg.Gemm;
        import org.bind.linalg.TiledMatrix;
        import org.bind.mapreduce.Sort;

        public class UserProgram {
            public static void main(String[] args) {
                int n = 96;
                Random random = new Random(7);
                double[] a = new double[n * n];
                double[] b = new double[n * n];
                for (int i = 0; i < a.length; i++) {
                    a[i] = random.nextInt(10) - 5;
                    b[i] = random.nextInt(10) - 5;
                }
                int[] values = random.ints(1000, -500, 500).toArray();
                try (Bind bind = Bind.init(args)) {
                    double[] c = Gemm.multiply(TiledMatrix.of(a, n, 32), TiledMatrix.of(b, n, 32)).gather();
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < n; j++) {
                            double sum = 0;
                            for (int k = 0; k < n; k++) {
                                sum += a[i * n + k] * b[k * n + j];
                            }
                            if (sum != c[i * n + j]) {
                                throw new AssertionError("c(" + i + "," + j + ") = " + c[i * n + j] + ", not " + sum);
                            }
                        }
                    }
                    int[] sorted = Sort.ints(bind, values);
                    int[] expected = values.clone();
                    Arrays.sort(expected);
                    if (!Arrays.equals(expected, sorted)) {
                        throw new AssertionError("Sort.ints differs from Arrays.sort");
                    }
                }
                System.out.println("gemm and sort ok");
            }
        }
        """;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldCompileAndRunAProgramUsingLinalgAndMapReduceAgainstThePrintedClasspath() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        String classpath = run(List.of("bash", "-c", "source \"$1/bin/lib/bind-env.sh\" && bind_user_classpath", "_",
            root.toString()), 60).trim();
        List<String> entries = List.of(classpath.split(File.pathSeparator));
        for (String module : new String[] {"bind-core", "bind-linalg", "bind-mapreduce"}) {
            assertTrue(entries.stream().anyMatch(e -> new File(e).getName().startsWith(module + "-")),
                () -> module + " missing from " + classpath);
        }
        assertEquals(entries.size(), entries.stream().distinct().count(), () -> "repeated entries: " + classpath);

        Path source = dir.resolve("UserProgram.java");
        Files.writeString(source, PROGRAM);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int compiled = javac.run(null, diagnostics, diagnostics, "-cp", classpath, "-d", dir.toString(),
            source.toString());
        assertEquals(0, compiled, () -> diagnostics.toString(StandardCharsets.UTF_8));

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String output = run(List.of(java, "-javaagent:" + entries.get(0), "-Dnet.bytebuddy.safe=true",
            "-Dbind.workers=2", "-cp", dir + File.pathSeparator + classpath, "UserProgram"), 120);
        assertTrue(output.contains("gemm and sort ok"), output);
    }

    /** Runs {@code command}, fails unless it exits with 0 within {@code limitS} seconds; returns its output. */
    private String run(List<String> command, long limitS) throws IOException, InterruptedException {
        Path log = dir.resolve("run-" + Integer.toHexString(command.hashCode()) + ".log");
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
        if (!process.waitFor(limitS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(command.get(0) + " did not end within " + limitS + " s:\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertEquals(0, process.exitValue(), () -> String.join(" ", command) + " failed:\n" + output);
        return output;
    }
}
