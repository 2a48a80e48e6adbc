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
import java.util.stream.Stream;

import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.launch.MpjLauncher;
import org.bind.mpi.launch.ProcessLauncher;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code kill -9} of the launcher (a process of its own here, as {@code bin/bindrun} is) while its 3 ranks run
 * ({@link StuckProgram}, syncing in a loop): no process of the job outlives the heartbeat timeout plus 2 s, and
 * nothing of it is left: with {@code -np}, the ranks remove their Aeron directories themselves (the launcher cannot
 * any more); with {@code --transport mpj}, the ranks that MPJ's daemon started, the daemon, MPJ's starter and the
 * launcher's reaper all end (the MPJ transport's heartbeat timeout is 10 s), and the job directory (with its private
 * MPJ home, whose {@code lib} links MPJ's own) is removed; the same for a {@code --machines} job whose ranks run on
 * this host under an MPJ daemon the test started (frames over Aeron: timeout 5 s), whose daemon stays.
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
        killLauncherAndWatchJob(command, files, LIMIT_MS, null);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldEndEveryProcessOfAnMpjJobWithinTheHeartbeatTimeoutWhenTheLauncherIsKilled() throws Exception {
        Path mpjHome = MpjHome.get();
        Path files = Files.createTempDirectory("bind-launcher-death-mpj-");
        List<String> command = new ArrayList<>(List.of(java(),
            "-cp", System.getProperty("java.class.path"), MpjLauncher.class.getName(), "-np",
            Integer.toString(RANKS), "--mpj-home", mpjHome.toString(), "--data", "mpj", "--jobs-dir",
            files.resolve("jobs").toString(), "--tag-output", "--workers", "1",
            "-cp", System.getProperty("java.class.path"), "--", StuckProgram.class.getName(), "sync"));
        killLauncherAndWatchJob(command, files, MPJ_HEARTBEAT_TIMEOUT_MS + 2_000, files.resolve("jobs"));
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldEndEveryProcessOfAMachinesJobOnThisHostWhenTheLauncherIsKilled() throws Exception {
        Path mpjHome = MpjHome.get();
        Path files = Files.createTempDirectory("bind-launcher-death-machines-");
        try (MpjHosts host = MpjHosts.loopback(files, null)) {
            List<String> command = new ArrayList<>(List.of(java(),
                "-cp", System.getProperty("java.class.path"), MpjLauncher.class.getName(), "-np",
                Integer.toString(RANKS), "--mpj-home", mpjHome.toString(), "--machines", host.machines().toString(),
                "--daemon-port", Integer.toString(host.daemonPort()), "--data", "aeron", "--jobs-dir",
                files.resolve("jobs").toString(), "--tag-output", "--workers", "1",
                "-cp", System.getProperty("java.class.path"), "--", StuckProgram.class.getName(), "sync"));
            killLauncherAndWatchJob(command, files, LIMIT_MS, files.resolve("jobs"));
            assertTrue(host.daemons().get(0).isAlive(), "the MPJ daemon the test started (not the job's) ended");
        }
    }

    /**
     * Starts the launcher {@code command}, waits for its ranks to join, kills it (SIGKILL) and asserts that every rank
     * and every process the launcher had started (MPJ's daemon and starter, the reaper) ends within {@code limitMs},
     * that no Aeron directory of the job is left, and that {@code jobsDir} (MPJ launches; null otherwise) is empty.
     */
    private static void killLauncherAndWatchJob(List<String> command, Path files, long limitMs, Path jobsDir)
        throws Exception {
        Path output = files.resolve("launcher.out");
        Process launcher = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        List<ProcessHandle> ranks = new ArrayList<>();
        List<ProcessHandle> helpers = new ArrayList<>();
        try {
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            String text = "";
            while (countJoined(text) < RANKS) {
                assertTrue(System.nanoTime() < deadlineNs && launcher.isAlive(),
                    "the ranks did not join within 90 s:\n" + text);
                Thread.sleep(100);
                text = Files.readString(output);
            }
            String job = null;
            for (String line : text.lines().toList()) {
                Matcher m = READY.matcher(line);
                if (m.find()) {
                    ranks.add(ProcessHandle.of(Long.parseLong(m.group(2))).orElseThrow());
                    job = m.group(3);
                }
            }
            assertEquals(RANKS, ranks.size(), text);
            if (jobsDir != null) {
                job = jobId(jobsDir);   // MPJ ranks announce job 0: the id is in the job directory's private file
            }
            launcher.descendants().filter(p -> !ranks.contains(p)).forEach(helpers::add);
            assertTrue(jobsDir == null || helpers.stream().anyMatch(p -> p.info().commandLine().orElse("")
                .contains("JobReaper")), () -> "no reaper among the launcher's processes: " + describe(helpers));
            List<ProcessHandle> all = new ArrayList<>(ranks);
            all.addAll(helpers);
            List<String> named = describe(all);
            long killedNs = System.nanoTime();
            launcher.destroyForcibly();   // SIGKILL: no shutdown hook, no clean-up by the launcher
            launcher.waitFor(10, TimeUnit.SECONDS);
            long[] endedMs = new long[all.size()];
            for (int i = 0; i < all.size(); i++) {
                ProcessHandle process = all.get(i);
                while (process.isAlive() && System.nanoTime() - killedNs < TimeUnit.MILLISECONDS.toNanos(limitMs + 20_000)) {
                    Thread.sleep(20);
                }
                endedMs[i] = process.isAlive() ? -1 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs);
            }
            String report = Files.readString(output);
            List<String> late = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                if (endedMs[i] < 0 || endedMs[i] > limitMs) {
                    late.add((i < RANKS ? "rank " + i : "helper") + " pid " + all.get(i).pid() + " "
                        + (endedMs[i] < 0 ? "still running after " + (limitMs + 20_000) : "ended after " + endedMs[i])
                        + " ms");
                }
            }
            assertTrue(late.isEmpty(), () -> "processes of the job outlived their launcher by more than " + limitMs
                + " ms: " + late + "\nall: " + named + "\n" + report);
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
            if (jobsDir != null) {
                try (Stream<Path> jobs = Files.list(jobsDir)) {
                    List<Path> dirs = jobs.toList();
                    assertEquals(List.of(), dirs, () -> "the job directory is left behind\n" + report);
                }
            }
            System.out.println("launcher killed: ranks and helpers " + named + " ended after "
                + java.util.Arrays.toString(endedMs) + " ms");
        } finally {
            launcher.destroyForcibly();
            ranks.forEach(ProcessHandle::destroyForcibly);
            helpers.forEach(ProcessHandle::destroyForcibly);
            deleteTree(files);
        }
    }

    /** The job id in the only job directory under {@code jobsDir} (the launcher writes it before the ranks start). */
    private static String jobId(Path jobsDir) throws IOException {
        try (Stream<Path> jobs = Files.list(jobsDir)) {
            List<Path> dirs = jobs.toList();
            assertEquals(1, dirs.size(), () -> "job directories under " + jobsDir + ": " + dirs);
            return Files.readString(dirs.get(0).resolve("job")).trim();
        }
    }

    private static List<String> describe(List<ProcessHandle> processes) {
        return processes.stream().map(p -> p.pid() + " " + p.info().commandLine().map(c -> c.length() > 160
            ? c.substring(0, 160) + "..." : c).orElse("(ended)")).toList();
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
