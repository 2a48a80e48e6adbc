package org.bind.mpi.aeron;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import org.agrona.IoUtil;
import org.bind.transport.TransportException;

/**
 * A rank's share of the media driver that the ranks of one host run for a job started across hosts
 * ({@code bin/bindrun --machines}): the launcher says which ranks share a host, the lowest of them starts the driver
 * as a process of its own ({@link HostDriverMain}, so that no rank's death takes it along), and every one of them
 * waits for it, registers ({@value #CLIENT_PREFIX}{@code RANK}, its pid and start time), and is its client
 * ({@link AeronTransport}): IPC to the ranks of its host, UDP to the others, through that driver.
 *
 * <p>The driver's directory is private ({@code rwx------}, made by {@link EmbeddedAeron#launchDriver}) and lives as
 * long as the ranks of its host: the driver removes it and exits once every one of them has closed or died (a
 * SIGKILL included), or once the job's directory is gone; a rank that closes last waits for that
 * ({@link #release}). A driver that dies is noticed by each client within {@value #WATCH_PERIOD_MS} ms
 * ({@link #watch}): every peer of that rank is lost, the directory is removed, never a hang.
 *
 * <p>Thread safe.
 */
public final class HostDriver {
    /** The file in which the driver names itself once it runs. */
    static final String PID_FILE = "driver.pid";
    /** The files in which the ranks of the host name themselves: this plus the rank. */
    static final String CLIENT_PREFIX = "client-";
    static final long WATCH_PERIOD_MS = 100;
    /** How long a rank that closes last waits for the driver to end. */
    private static final long END_WAIT_MS = 3_000;
    private static final long DRIVER_HEAP_MB = 64;

    private final File dir;
    private final int rank;
    private final ProcessMark driver;
    private volatile boolean released;

    private HostDriver(File dir, int rank, ProcessMark driver) {
        this.dir = dir;
        this.rank = rank;
        this.driver = driver;
    }

    /**
     * Starts the driver of the ranks {@code hostRanks} in {@code dir}, configured as {@code settings} (MTU, term
     * length, idle park), as a process of its own; its output goes to this rank's stderr, each line prefixed.
     * {@code jvmFlags} are added to its command line (the launcher finds the job's processes by one of them). The
     * thread of the rank that starts it (the lowest of {@code hostRanks}).
     *
     * @throws TransportException when the process cannot be started
     */
    public static Process start(File dir, Set<Integer> hostRanks, AeronSettings settings, List<String> jvmFlags) {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx" + DRIVER_HEAP_MB + "m",
            "-XX:+UseSerialGC"));
        command.addAll(EmbeddedAeron.jvmFlags());
        command.add("-D" + property(AeronSettings.MTU_ENV) + "=" + settings.mtuBytes());
        command.add("-D" + property(AeronSettings.TERM_ENV) + "=" + settings.termBytes());
        command.add("-D" + property(AeronSettings.MAX_IDLE_PARK_ENV) + "="
            + Math.max(1, TimeUnit.NANOSECONDS.toMicros(settings.maxIdleParkNs())));
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", classPath(), HostDriverMain.class.getName(), dir.getAbsolutePath(),
            new TreeSet<>(hostRanks).stream().map(String::valueOf).collect(Collectors.joining(",")),
            Long.toString(TimeUnit.NANOSECONDS.toMillis(settings.connectTimeoutNs()))));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            Thread forward = new Thread(() -> forward(process, settings.rank()), "bind-host-driver-output");
            forward.setDaemon(true);
            forward.start();
            return process;
        } catch (IOException e) {
            throw new TransportException("rank " + settings.rank() + " cannot start the media driver of its host's"
                + " ranks " + new TreeSet<>(hostRanks) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Waits (at most {@code timeoutNs}) until the driver in {@code dir} runs, then registers {@code rank} as its
     * client. {@code started}: the driver's process when this rank started it (its early end is reported at once),
     * else null. The rank's thread, before it connects to the driver.
     *
     * @throws TransportException when the driver has not started in time or ended before it did
     */
    public static HostDriver attach(File dir, int rank, Process started, long timeoutNs) {
        Path pidFile = dir.toPath().resolve(PID_FILE);
        long deadlineNs = System.nanoTime() + timeoutNs;
        ProcessMark driver = ProcessMark.read(pidFile);
        while (driver == null) {
            if (started != null && !started.isAlive()) {
                throw new TransportException("the media driver of rank " + rank + "'s host ended with status "
                    + started.exitValue() + " before it started in " + dir + " (its output is above)");
            }
            if (System.nanoTime() - deadlineNs > 0) {
                throw new TransportException("the media driver of rank " + rank + "'s host did not start in " + dir
                    + " within " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms (the lowest rank of the host starts"
                    + " it: see its output)");
            }
            sleepMs(10);
            driver = ProcessMark.read(pidFile);
        }
        ProcessMark.self().write(dir.toPath().resolve(CLIENT_PREFIX + rank));
        return new HostDriver(dir, rank, driver);
    }

    /** The driver's directory (the one to connect to with {@link EmbeddedAeron#connect}). */
    public File dir() {
        return dir;
    }

    /** The driver's process id. */
    public long pid() {
        return driver.pid();
    }

    /**
     * Watches the driver's process: once it is gone, removes its directory and hands {@code onGone} the reason (from
     * a daemon thread), unless released before.
     */
    void watch(Consumer<String> onGone) {
        Thread watch = new Thread(() -> {
            while (!released) {
                if (!driver.alive()) {
                    if (!released) {
                        IoUtil.delete(dir, true);
                        onGone.accept("the media driver of this host's ranks (pid " + driver.pid() + ", " + dir
                            + ") is gone");
                    }
                    return;
                }
                sleepMs(WATCH_PERIOD_MS);
            }
        }, "bind-host-driver-watch-" + rank);
        watch.setDaemon(true);
        watch.start();
    }

    /**
     * Ends this rank's share once its client is closed: unregisters; when no other rank of the host is registered,
     * waits (at most {@value #END_WAIT_MS} ms) for the driver to end and remove its directory, so that the job does not end
     * before its driver. Idempotent; the closing thread.
     */
    void release() {
        if (released) {
            return;
        }
        released = true;
        try {
            Files.deleteIfExists(dir.toPath().resolve(CLIENT_PREFIX + rank));
        } catch (IOException e) {
            // the directory is gone (the driver removed it): nothing to unregister
        }
        String[] others = dir.list((d, name) -> name.startsWith(CLIENT_PREFIX));
        if (others != null && others.length > 0) {
            return;
        }
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(END_WAIT_MS);
        while (driver.alive() && System.nanoTime() - deadlineNs < 0) {
            sleepMs(10);
        }
        if (!driver.alive() && dir.exists()) {
            IoUtil.delete(dir, true);
        }
    }

    /** The class path of the driver's JVM: the jars of Bind, Aeron and Agrona as loaded here, then this JVM's. */
    private static String classPath() {
        Set<String> entries = new LinkedHashSet<>();
        for (Class<?> type : List.of(HostDriverMain.class, MediaDriver.class, Aeron.class, IoUtil.class,
            org.bind.intercept.ModuleAccess.class)) {
            CodeSource source = type.getProtectionDomain().getCodeSource();
            if (source != null && source.getLocation() != null) {
                try {
                    entries.add(Path.of(source.getLocation().toURI()).toAbsolutePath().toString());
                } catch (URISyntaxException | IllegalArgumentException e) {
                    // not a file: the class path below has it
                }
            }
        }
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                entries.add(Path.of(entry).toAbsolutePath().toString());
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void forward(Process process, int rank) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                System.err.println("bind: rank " + rank + "'s host media driver: " + line);
            }
        } catch (IOException e) {
            // the driver ended
        }
    }

    private static String property(String envName) {
        return envName.toLowerCase(java.util.Locale.ROOT).replace('_', '.');
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
            .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    }

    private static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while waiting for the media driver of this host's ranks");
        }
    }
}
