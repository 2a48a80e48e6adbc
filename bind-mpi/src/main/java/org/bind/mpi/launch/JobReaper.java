package org.bind.mpi.launch;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.bind.mpi.aeron.AeronSettings;

/**
 * Cleans up after an MPJ launcher that could not do it itself: killed by any signal, {@code kill -9} included, or
 * crashed. The launcher starts it first, as a small JVM whose standard input is a pipe that only the launcher holds,
 * and tells it through that pipe, one line each, what belongs to the job: {@code pid P} for every process the
 * launcher starts (MPJ's daemon for the job, MPJ's starter), {@code aeron PREFIX} for the names of the job's Aeron
 * directories, {@code dir PATH} for the job directory. The pipe ends when the launcher closes it after its own
 * clean-up or when the launcher is gone, whatever the signal (the kernel closes a dead process's files); the reaper
 * then finds what is left: when nothing is (a normal end), it exits at once. Otherwise it gives the ranks of this
 * host (below those processes, or, under the MPJ daemons of a cluster, the processes whose command lines name the
 * job's status directory as {@link MpjRankMain}'s do), which watch the launcher themselves and remove their own Aeron
 * directories, up to {@value #GRACE_MS} ms to end; then it kills what is left of them, of the processes and of their
 * descendants, removes this host's Aeron directories of the job and the job directory (links removed, not followed:
 * the job's MPJ home links MPJ's own libraries), says so on stderr and exits. Ranks on other hosts end by themselves
 * ({@link LauncherBeat}). When the reaper is killed with the launcher (the launcher's host was lost, or the whole
 * process group was killed), the next launch on this host with the same jobs directory removes what they left
 * ({@link #sweep}).
 *
 * <p>Only JDK classes and this package's are loaded here: the reaper runs with the launcher's class path but needs
 * none of Bind's dependencies.
 */
public final class JobReaper implements AutoCloseable {
    /** The file of the job directory that names its launcher ({@link #markLauncher}). */
    static final String LAUNCHER_FILE = "launcher";
    /** The status directory's name in the job directory ({@link MpjLauncher}). */
    static final String STATUS_DIR = "status";
    /** How long the ranks may take to end by themselves once the launcher is gone. */
    static final long GRACE_MS = 3_000;
    /** How long killed processes may take to be gone, all together. */
    private static final long KILL_WAIT_MS = 2_000;
    /** How long the launcher waits for the reaper to end after closing its pipe. */
    private static final long CLOSE_WAIT_MS = 5_000;

    private final Process process;
    private final PrintStream commands;
    private boolean closed;

    private JobReaper(Process process) {
        this.process = process;
        this.commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
    }

    /**
     * Starts the reaper of a job whose Aeron directories start with {@code aeronPrefix} and whose directory is
     * {@code jobDir}. The launcher's thread.
     */
    static JobReaper start(String aeronPrefix, Path jobDir) throws IOException {
        Process process = new ProcessBuilder(RankCommand.javaBinary(), "-Xmx32m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), JobReaper.class.getName(),
            Long.toString(ProcessHandle.current().pid()))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        JobReaper reaper = new JobReaper(process);
        reaper.commands.println("aeron " + aeronPrefix);
        reaper.commands.println("dir " + jobDir.toAbsolutePath());
        return reaper;
    }

    /** Makes {@code started}, a process of the job, and its descendants the reaper's to stop. The launcher's thread. */
    synchronized void watch(ProcessHandle started) {
        if (!closed) {
            commands.println("pid " + started.pid());
        }
    }

    /** The reaper's process. */
    Process process() {
        return process;
    }

    /** Ends the pipe, as the launcher's death does, without waiting for the reaper. Idempotent. */
    synchronized void endPipe() {
        closed = true;
        commands.close();
    }

    /** Ends the pipe once the launcher has cleaned up; waits a little for the reaper to end. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        endPipe();
        try {
            if (!process.waitFor(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** The reaper's JVM: {@code args[0]} is the launcher's pid (for the message); commands on standard input. */
    public static void main(String[] args) throws IOException, InterruptedException {
        List<ProcessHandle> watched = new ArrayList<>();
        String aeronPrefix = null;
        Path jobDir = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("pid ") && line.substring(4).matches("\\d{1,18}")) {
                    ProcessHandle.of(Long.parseLong(line.substring(4))).ifPresent(watched::add);
                } else if (line.startsWith("aeron ") && line.substring(6).matches("[A-Za-z0-9._-]+")) {
                    aeronPrefix = line.substring(6);
                } else if (line.startsWith("dir ")) {
                    jobDir = Path.of(line.substring(4));
                }
            }
        } catch (IOException e) {
            // the pipe broke: the launcher is gone just the same
        }
        String done = reap(watched, aeronPrefix, jobDir);
        if (!done.isEmpty()) {
            System.err.println("bindrun: the launcher (pid " + (args.length > 0 ? args[0] : "?") + ") is gone: " + done);
        }
    }

    /**
     * Writes into {@code jobDir} who launched it ({@value #LAUNCHER_FILE}: this host, this process's pid and start
     * time, the prefix of the job's Aeron directories), for {@link #sweep}. The launcher's thread.
     */
    static void markLauncher(Path jobDir, String aeronPrefix) throws IOException {
        ProcessHandle self = ProcessHandle.current();
        Files.writeString(jobDir.resolve(LAUNCHER_FILE), LaunchOptions.localHostName() + " " + self.pid() + " "
            + self.info().startInstant().map(Object::toString).orElse("-") + " " + aeronPrefix + "\n",
            StandardCharsets.UTF_8);
    }

    /**
     * Removes the job directories under {@code jobsDir} that a launcher of this host left when it and its reaper were
     * both killed (a job directory whose {@value #LAUNCHER_FILE} names this host and a process that is gone), with
     * their Aeron directories on this host; says so on {@code err}. Directories of running launchers, of other hosts
     * and without the file are left alone. The launcher's thread, before it starts its job.
     */
    static void sweep(Path jobsDir, PrintStream err) {
        String host = LaunchOptions.localHostName();
        try (var dirs = Files.newDirectoryStream(jobsDir, "bind-mpj-*")) {
            for (Path dir : dirs) {
                String[] launcher;
                try {
                    launcher = Files.readString(dir.resolve(LAUNCHER_FILE), StandardCharsets.UTF_8).trim().split(" ");
                } catch (IOException e) {
                    continue;   // being made, or not a launcher's of this kind
                }
                if (launcher.length != 4 || host.isEmpty() || !launcher[0].equals(host)
                    || !launcher[1].matches("\\d{1,18}") || !launcher[3].matches("[A-Za-z0-9._-]+")) {
                    continue;
                }
                boolean alive = ProcessHandle.of(Long.parseLong(launcher[1])).filter(ProcessHandle::isAlive)
                    .map(p -> launcher[2].equals("-") || p.info().startInstant().map(Object::toString)
                        .map(launcher[2]::equals).orElse(true)).orElse(false);
                if (!alive) {
                    String removed = reapFiles(launcher[3], dir).toString();
                    err.println("bindrun: removed what a killed launcher (pid " + launcher[1] + ") left: " + removed);
                }
            }
        } catch (IOException e) {
            // no jobs directory yet: nothing to sweep
        }
    }

    /** The network namespace of process {@code pid} (Linux), or null when it cannot be read. */
    private static Path netNamespace(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net"));
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** Stops what is left of the job and removes its files; returns what it did ("" when nothing was left). */
    static String reap(List<ProcessHandle> watched, String aeronPrefix, Path jobDir) throws InterruptedException {
        Set<ProcessHandle> below = new LinkedHashSet<>();
        for (ProcessHandle process : watched) {
            process.descendants().forEach(below::add);
        }
        if (jobDir != null) {
            // the ranks of this host that MPJ daemons the launcher did not start run: their command lines name the
            // job's status directory (a random name, this job's only); this host: this network namespace
            String named = "-D" + MpjRankMain.STATUS_DIR_PROP_NAME + "=" + jobDir.resolve(STATUS_DIR);
            Path net = netNamespace(ProcessHandle.current().pid());
            ProcessHandle.allProcesses().filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().commandLine().orElse("").contains(named))
                .filter(p -> net == null || net.equals(netNamespace(p.pid()))).forEach(below::add);
        }
        below.removeAll(watched);
        long alive = watched.stream().filter(ProcessHandle::isAlive).count() + below.size();
        boolean files = jobDir != null && Files.exists(jobDir, LinkOption.NOFOLLOW_LINKS);
        if (alive == 0 && !files) {
            return "";
        }
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MS);
        while (below.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() - deadlineNs < 0) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
        Set<ProcessHandle> left = new LinkedHashSet<>(watched);
        left.addAll(below);
        for (ProcessHandle process : List.copyOf(left)) {
            process.descendants().forEach(left::add);
        }
        left.removeIf(p -> !p.isAlive());
        List<String> killed = left.stream().map(p -> p.pid() + " " + p.info().command().orElse("")).toList();
        left.forEach(ProcessHandle::destroyForcibly);
        // one deadline for all: a killed process whose parent is gone stays a zombie until init collects it
        long killedDeadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KILL_WAIT_MS);
        while (left.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() - killedDeadlineNs < 0) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        return "stopped what was left of its job (killed " + killed + "); removed " + reapFiles(aeronPrefix,
            files ? jobDir : null);
    }

    /** Removes this host's Aeron directories named {@code aeronPrefix}... and {@code jobDir}; returns what it removed. */
    private static List<String> reapFiles(String aeronPrefix, Path jobDir) {
        List<String> removed = new ArrayList<>();
        if (aeronPrefix != null) {
            for (String root : new String[] {"/dev/shm", System.getProperty("java.io.tmpdir"),
                System.getenv(AeronSettings.DIR_ENV)}) {
                File[] dirs = root == null ? null : new File(root).listFiles((dir, name) -> name.startsWith(aeronPrefix));
                for (File dir : dirs == null ? new File[0] : dirs) {
                    if (StatusDirectory.deleteTree(dir.toPath())) {
                        removed.add(dir.getPath());
                    }
                }
            }
        }
        if (jobDir != null && StatusDirectory.deleteTree(jobDir)) {
            removed.add(jobDir.toString());
        }
        return removed;
    }
}
