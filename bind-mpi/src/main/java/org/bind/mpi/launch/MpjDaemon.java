package org.bind.mpi.launch;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The private MPJ Express daemon of a local {@code --transport mpj} job: a copy of MPJ's configuration with ports
 * of the job's own in the job directory, next to a link to MPJ's libraries, and the daemon started on it. Its
 * children are the ranks' JVMs.
 *
 * <p>MPJ Express 0.44 binds its daemon ({@code runtime.daemon.MPJDaemon}: {@code new ServerSocket(port)}), its port
 * manager and its ranks' niodev channels on every interface, with no setting to choose the address, and accepts
 * unauthenticated requests to start JVMs: {@link #EXPOSURE_WARNING} says so when a job starts one.
 */
final class MpjDaemon {
    /** Printed when a private daemon starts. */
    static final String EXPOSURE_WARNING = "bindrun: warning: MPJ Express's daemon cannot be bound to loopback: the job's"
        + " private daemon listens on every interface without authentication while the job runs (and niodev's ranks"
        + " do too); on a host reachable from untrusted networks use -np N (Aeron, loopback only) instead";
    private static final long START_TIMEOUT_MS = 60_000;

    private final Process process;
    private final int port;
    private final Path home;

    private MpjDaemon(Process process, int port, Path home) {
        this.process = process;
        this.port = port;
        this.home = home;
    }

    /** The daemon's port. */
    int port() {
        return port;
    }

    /** The private MPJ_HOME the daemon runs with (its configuration names the job's ports). */
    Path home() {
        return home;
    }

    /** The daemon process (whose descendants are the ranks). */
    Process process() {
        return process;
    }

    /** Writes a private MPJ home into {@code jobDir} and starts a daemon on it; waits until it listens. */
    static MpjDaemon start(Path mpjHome, Path jobDir) throws IOException {
        int[] ports = freeTcpPorts(3);
        Path home = privateHome(mpjHome, jobDir, ports);
        List<String> jars = new ArrayList<>();
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            lib.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> jars.add(p.toString()));
        }
        Path log = jobDir.resolve("daemon.log");
        ProcessBuilder builder = new ProcessBuilder(RankCommand.javaBinary(), "-cp", String.join(File.pathSeparator, jars),
            "runtime.daemon.MPJDaemon", Integer.toString(ports[0]))
            .directory(jobDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("MPJ_HOME", home.toString());
        Process started = builder.start();
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        // ready when its port is taken; trying to bind the port (rather than connecting) does not disturb it
        while (isFree(ports[0])) {
            if (!started.isAlive() || System.nanoTime() > deadlineNs) {
                started.destroyForcibly();
                throw new IllegalStateException("the job's MPJ daemon did not listen on port " + ports[0] + " within "
                    + START_TIMEOUT_MS / 1000 + " s:\n" + Files.readString(log));
            }
            try {
                started.waitFor(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                started.destroyForcibly();
                throw new IllegalStateException("interrupted while starting the MPJ daemon");
            }
        }
        return new MpjDaemon(started, ports[0], home);
    }

    /** A copy of MPJ's configuration with this job's ports, next to a link to MPJ's libraries. */
    private static Path privateHome(Path mpjHome, Path jobDir, int[] ports) throws IOException {
        Path home = Files.createDirectories(jobDir.resolve("mpj-home/conf")).getParent();
        Files.createSymbolicLink(home.resolve("lib"), mpjHome.resolve("lib"));
        Path conf = mpjHome.resolve("conf/mpjexpress.conf");
        String text = Files.readString(conf, StandardCharsets.UTF_8);
        String[][] keys = {{"mpjexpress.mpjdaemon.port.1", "" + ports[0]}, {"mpjexpress.mpjdaemon.port.2", "" + ports[1]},
            {"mpjexpress.mpjrun.port.1", "" + ports[2]}};
        for (String[] key : keys) {
            Pattern line = Pattern.compile("(?m)^" + Pattern.quote(key[0]) + "=.*$");
            if (!line.matcher(text).find()) {
                throw new IllegalStateException(conf + " has no " + key[0] + " line");
            }
            text = line.matcher(text).replaceAll(key[0] + "=" + key[1]);
        }
        Files.writeString(home.resolve("conf/mpjexpress.conf"), text, StandardCharsets.UTF_8);
        return home;
    }

    /** Stops the ranks it started (forcibly), then the daemon. Idempotent. */
    void stop() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        JobSupervisor.destroy(List.of(process.toHandle()));
    }

    /** {@code count} distinct TCP ports free on every interface now (MPJ's daemon binds them on all interfaces). */
    static int[] freeTcpPorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.bind(new InetSocketAddress(0));
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find free TCP ports", e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // nothing to release
                }
            }
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException busy) {
            return false;
        }
    }
}
