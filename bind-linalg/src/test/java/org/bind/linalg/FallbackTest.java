package org.bind.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fallback where it matters: a JVM whose class path lacks the OpenBLAS and JavaCPP jars picks the Java
 * kernels by itself, says so, and still multiplies correctly.
 */
@Timeout(90)
class FallbackTest {
    private static final long CHILD_TIMEOUT_SECONDS = 60;

    /** Runs {@link FallbackProbe} in a child JVM with this JVM's agent and {@code classpath}; returns its output. */
    private static String runProbe(String classpath, String... jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (option.startsWith("-javaagent:")) {
                command.add(option);
            }
        }
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-Dbind.workers=2", "-cp", classpath, FallbackProbe.class.getName()));
        Path log = Files.createTempFile("bind-linalg-fallback-", ".log");
        try {
            Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!child.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                String stacks = jstack(child.pid());
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("the child JVM did not finish within " + CHILD_TIMEOUT_SECONDS
                    + " s; output:\n"
                    + Files.readString(log, StandardCharsets.UTF_8) + "\n--- stacks ---\n" + stacks);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, child.exitValue(), output);
            return output;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String jstack(long pid) throws IOException, InterruptedException {
        Path jstack = Path.of(System.getProperty("java.home"), "bin", "jstack");
        if (!Files.isExecutable(jstack)) {
            return "(no jstack in " + jstack.getParent() + ")";
        }
        Process dump = new ProcessBuilder(jstack.toString(), Long.toString(pid)).redirectErrorStream(true).start();
        byte[] bytes = dump.getInputStream().readAllBytes();
        dump.waitFor(10, TimeUnit.SECONDS);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void assertSmallErrors(String output) {
        Matcher errors = Pattern.compile("errors (\\S+) (\\S+) (\\S+)").matcher(output);
        assertTrue(errors.find(), output);
        assertTrue(Double.parseDouble(errors.group(1)) < 1e-10, output);
        assertTrue(Double.parseDouble(errors.group(2)) < 1e-10, output);
        assertTrue(Double.parseDouble(errors.group(3)) < 1e-12, output);
    }

    @Test
    void shouldFallBackToJavaWithoutTheNativeJars() throws Exception {
        String classpath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !entry.contains("bytedeco"))
            .collect(Collectors.joining(File.pathSeparator));
        String output = runProbe(classpath);
        assertTrue(output.contains("kernels java"), output);
        assertTrue(output.contains("OpenBLAS could not be loaded"), output);
        assertSmallErrors(output);
    }

    @Test
    void shouldUseOpenBlasWithTheNativeJars() throws Exception {
        String output = runProbe(System.getProperty("java.class.path"));
        assertTrue(output.contains("kernels openblas"), output);
        assertSmallErrors(output);
    }
}
