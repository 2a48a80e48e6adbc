package org.bind.mpi.launch;

import static org.bind.mpi.TransportContractTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.bind.mpi.aeron.AeronSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Tag("cluster")
class ProcessLauncherTest {
    /** Output captured from the launcher, safe to read while it runs. */
    private static final class Capture {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        String text() {
            synchronized (stream) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }

    private static Set<String> aeronDirs() {
        File[] dirs = new File("/dev/shm").listFiles((dir, name) -> name.startsWith("bind-aeron-"));
        return dirs == null ? Set.of() : Stream.of(dirs).map(File::getName).collect(Collectors.toSet());
    }

    private static String[] command(int ranks, Class<?> main, String... args) {
        return Stream.concat(Stream.of("-np", Integer.toString(ranks), "--transport", "aeron", "--tag-output", "--workers",
            "2", "-cp", System.getProperty("java.class.path"), main.getName()), Stream.of(args)).toArray(String[]::new);
    }

    /**
     * No child process and no Aeron directory of the job (named in the ranks' output as {@code job HEX}) is left;
     * other jobs on this machine may have directories of their own meanwhile.
     */
    private static void assertNothingLeft(String output) {
        await("no child process", 10_000, () -> ProcessHandle.current().descendants().findAny().isEmpty());
        Matcher job = Pattern.compile(" job ([0-9a-f]+)").matcher(output);
        assertTrue(job.find(), () -> "no rank printed the job id:\n" + output);
        String prefix = AeronSettings.dirPrefix(Long.parseUnsignedLong(job.group(1), 16));
        Set<String> left = aeronDirs();
        left.removeIf(name -> !name.startsWith(prefix));
        assertTrue(left.isEmpty(), () -> "Aeron directories left behind: " + left);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldRunProgramOnTwoAndFourProcesses() {
        for (int ranks : new int[] {2, 4}) {
            Capture out = new Capture();
            Capture err = new Capture();
            int status = ProcessLauncher.run(command(ranks, SmokeProgram.class, "alpha", "beta"), out.stream, err.stream);
            assertEquals(0, status, () -> "stdout:\n" + out.text() + "\nstderr:\n" + err.text());
            for (int r = 0; r < ranks; r++) {
                String line = "[rank " + r + "] rank " + r + " of " + ranks + " ok max=" + (ranks - 1) + " args=alpha beta";
                assertTrue(out.text().contains(line), () -> "missing '" + line + "' in:\n" + out.text() + err.text());
            }
            assertNothingLeft(out.text());
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldFailEveryRankWhenOneIsKilled() throws Exception {
        shouldFailEveryRankWhenOneIsSignalled(pid -> ProcessHandle.of(pid).orElseThrow().destroyForcibly());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldFailEveryRankWhenOneIsFrozen() throws Exception {
        shouldFailEveryRankWhenOneIsSignalled(pid -> {
            try {
                assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private void shouldFailEveryRankWhenOneIsSignalled(java.util.function.LongConsumer signal) throws Exception {
        Capture out = new Capture();
        Capture err = new Capture();
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(
            () -> ProcessLauncher.run(command(3, LossProgram.class), out.stream, err.stream));
        Pattern ready = Pattern.compile("\\[rank 1] rank 1 pid (\\d+) job \\w+ ready");
        await("rank 1 to be ready", 60_000, () -> ready.matcher(out.text()).find());
        Matcher matcher = ready.matcher(out.text());
        assertTrue(matcher.find());
        long killedNs = System.nanoTime();
        signal.accept(Long.parseLong(matcher.group(1)));
        await("rank 0 and 2 to report the loss", 5_000 + 2_000 + 1_000,
            () -> err.text().contains("[rank 0]") && err.text().contains("rank 1 lost")
                && err.text().lines().anyMatch(l -> l.startsWith("[rank 2]") && l.contains("rank 1 lost")));
        long detectedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs);
        int exit = status.get(30, TimeUnit.SECONDS);
        assertNotEquals(0, exit, () -> "stdout:\n" + out.text() + "\nstderr:\n" + err.text());
        assertTrue(err.text().lines().anyMatch(l -> l.startsWith("[rank 0]") && l.contains("rank 1 lost")), err.text());
        assertNothingLeft(out.text());
        System.out.println("loss reported " + detectedMs + " ms after the kill; launcher status " + exit);
    }
}
