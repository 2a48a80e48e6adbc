package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.launch.MpjLauncher;
import org.bind.mpi.launch.ProcessLauncher;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code kill -9} of the launcher (a process of its own here, as {@code bin/bindrun} is) while its 3 ranks run
 * ({@link StuckProgram}, syncing in a loop): no rank outlives the heartbeat timeout plus 2 s, and the ranks remove
 * their Aeron directories themselves (the launcher cannot any more). The same for the ranks MPJ Express starts for
 * {@code bin/bindrun --transport mpj} (frames over MPJ, whose heartbeat timeout is 10 s), which are not the
 * launcher's children.
 */
@Tag("cluster")
@ExtendWith(DumpJobsOnTimeout.class)
class LauncherDeathTest {
    private static final int RANKS = 3;
    private static final long LIMIT_MS = AeronSettings.HEARTBEAT_TIMEOUT_MS_DEFAULT + 2_000;
    /** {@code bind.mpj.heartbeat.timeout.ms}'s default. */
    private static final long MPJ_HEARTBEAT_TIMEOUT_MS = 10_000;
    private static final Pattern READY = Pattern.compile("^\\[rank (\\d+)] rank \\d+ pid (\\d+) job ([0-9a-f]+) port");

    private static String java() {
        return ProcessHandle.current().info().command()
            .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldEndEveryRankWithinTheHeartbeatTimeoutWhenTheLauncherIsKilled() throws Exception {
        Path files = Files.createTempDirectory("bind-launcher-death-");
        List<String> command = new ArrayList<>(List.of(java(),
            "-cp", System.getProperty("java.class.path"), ProcessLauncher.class.getName(), "-np",
            Integer.toString(RANKS), "--tag-output", "--workers", "1",
            "-J-D" + RankLossTest.property(AeronSettings.CONNECT_TIMEOUT_ENV) + "=60000", "-cp", System.getProperty("java.class.path"),
            "--", StuckProgram.class.getName(), "sync"));
        killLauncherAndWatchRanks(command, files, LIMIT_MS, true);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldEndEveryRankMpjStartedWithinTheHeartbeatTimeoutWhenTheLauncherIsKilled() throws Exception {
        Path mpjHome = MpjHome.get();
        Path files = Files.createTempDirectory("bind-launcher-death-mpj-");
        List<String> command = new ArrayList<>(List.of(java(),
            "-cp", System.getProperty("java.class.path"), MpjLauncher.class.getName(), "-np",
            Integer.toString(RANKS), "--mpj-home", mpjHome.toString(), "--data", "mpj", "--jobs-dir",
            files.resolve("jobs").toString(), "--tag-output", "--workers", "1",
            "-cp", System.getProperty("java.class.path"), "--", StuckProgram.class.getName(), "sync"));
        killLauncherAndWatchRanks(command, files, MPJ_HEARTBEAT_TIMEOUT_MS + 2_000, false);
    }

    private static void killLauncherAndWatchRanks(List<String> command, Path files, long limitMs, boolean aeronDirs)
        throws Exception {
        Path output = files.resolve("launcher.out");
        Process launcher = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        List<ProcessHandle> ranks = new ArrayList<>();
        List<ProcessHandle> helpers = new ArrayList<>();
        String job = null;
        try {
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            String text = "";
            while (countJoined(text) < RANKS) {
                assertTrue(System.nanoTime() < deadlineNs && launcher.isAlive(),
                    "the ranks did not join within 90 s:\n" + text);
                Thread.sleep(100);
                text = Files.readString(output);
            }
            for (String line : text.lines().toList()) {
                Matcher m = READY.matcher(line);
                if (m.find()) {
                    ranks.add(ProcessHandle.of(Long.parseLong(m.group(2))).orElseThrow());
                    job = m.group(3);
                }
            }
            assertEquals(RANKS, ranks.size(), text);
            helpers.addAll(launcher.descendants().toList()); // MPJ's daemon among them: removed below whatever happens
            long killedNs = System.nanoTime();
            launcher.destroyForcibly();   // SIGKILL: no shutdown hook, no clean-up by the launcher
            launcher.waitFor(10, TimeUnit.SECONDS);
            long[] outlivedMs = new long[RANKS];
            for (int r = 0; r < RANKS; r++) {
                ProcessHandle rank = ranks.get(r);
                while (rank.isAlive() && System.nanoTime() - killedNs < TimeUnit.MILLISECONDS.toNanos(limitMs + 20_000)) {
                    Thread.sleep(20);
                }
                outlivedMs[r] = rank.isAlive() ? -1 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs);
            }
            String report = Files.readString(output);
            for (int r = 0; r < RANKS; r++) {
                long ms = outlivedMs[r];
                int rank = r;
                assertTrue(ms >= 0 && ms <= limitMs, () -> "rank " + rank + " outlived its launcher by "
                    + (ms < 0 ? "more than " + (limitMs + 20_000) : ms) + " ms (limit " + limitMs + "):\n" + report);
            }
            if (!aeronDirs) {
                System.out.println("launcher killed: MPJ ranks ended after " + java.util.Arrays.toString(outlivedMs)
                    + " ms; still running of the launcher's other processes: " + helpers.stream()
                    .filter(p -> p.isAlive() && !ranks.contains(p)).map(p -> p.pid() + " " + p.info().command()
                    .orElse("?")).toList());
                return;
            }
            String prefix = AeronSettings.dirPrefix(Long.parseUnsignedLong(job, 16));
            long dirsDeadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            File[] left = new File("/dev/shm").listFiles((dir, name) -> name.startsWith(prefix));
            while (left != null && left.length > 0 && System.nanoTime() < dirsDeadlineNs) {
                Thread.sleep(50);
                left = new File("/dev/shm").listFiles((dir, name) -> name.startsWith(prefix));
            }
            File[] leftover = left;
            assertTrue(leftover == null || leftover.length == 0, () -> "Aeron directories left: "
                + List.of(leftover) + "\n" + report);
            System.out.println("launcher killed: ranks ended after " + java.util.Arrays.toString(outlivedMs) + " ms");
        } finally {
            launcher.destroyForcibly();
            ranks.forEach(ProcessHandle::destroyForcibly);
            helpers.forEach(ProcessHandle::destroyForcibly);
            deleteTree(files);
        }
    }

    /**
     * Deletes {@code root} and what it holds without following symbolic links: a killed MPJ launcher leaves its job's
     * private MPJ home, whose {@code lib} links to the real one (a delete that follows it empties MPJ's lib).
     */
    private static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.delete(file);   // a link is deleted, not what it points to
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static int countJoined(String text) {
        return (int) text.lines().filter(l -> l.matches("^\\[rank \\d+] rank \\d+ joined$")).count();
    }
}
