package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The hosts of {@code bin/bindrun --machines} jobs for the tests, each running an MPJ Express daemon that the test
 * started (as a cluster's daemons are, not the launcher's): hosts made of network namespaces ({@link VirtualHosts}),
 * or, where those cannot be made (not root, no {@code ip}) or {@link #loopback} is asked for, one daemon on this
 * host's loopback, listed as {@code localhost}. The machines file is written into the directory given.
 * {@link #close} stops the daemons (and whatever they still run) and removes the hosts.
 */
final class MpjHosts implements AutoCloseable {
    private final Path dir;
    private final VirtualHosts hosts;
    private final String fallback;
    private final List<Process> daemons = new ArrayList<>();
    private final int daemonPort;
    private Path machines;

    private MpjHosts(Path dir, VirtualHosts hosts, String fallback, int daemonPort) {
        this.dir = dir;
        this.hosts = hosts;
        this.fallback = fallback;
        this.daemonPort = daemonPort;
    }

    /**
     * {@code count} hosts made of network namespaces, a daemon on MPJ's default port in each; where namespaces
     * cannot be made, one daemon on loopback ({@link #fallback} says why).
     */
    static MpjHosts virtual(Path dir, int count) throws IOException, InterruptedException {
        VirtualHosts made;
        try {
            made = VirtualHosts.create(count);
        } catch (IOException e) {
            System.err.println("MpjHosts: cannot create network namespaces (" + e.getMessage() + ")");
            return loopback(dir, "cannot create network namespaces (" + e.getMessage() + "): the jobs run on this"
                + " host's loopback instead of " + count + " hosts");
        }
        MpjHosts started = new MpjHosts(dir, made, null, org.bind.mpi.launch.MpjLauncher.DEFAULT_DAEMON_PORT);
        try {
            started.machines = Files.write(dir.resolve("machines"), made.addresses());
            List<String> jars = jars();
            for (int h = 0; h < made.addresses().size(); h++) {
                started.daemons.add(started.startDaemon(made.on(h, daemonCommand(jars, started.daemonPort)),
                    "daemon-" + h));
            }
            for (int h = 0; h < made.addresses().size(); h++) {
                started.awaitListening(h);
            }
            return started;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            started.close();
            throw e;
        }
    }

    /** One daemon on this host's loopback, on a free port; {@code why}: the note for the tests' output (or null). */
    static MpjHosts loopback(Path dir, String why) throws IOException, InterruptedException {
        MpjHosts started = new MpjHosts(dir, null, why, freePort());
        try {
            started.machines = Files.writeString(dir.resolve("machines"), "localhost\n");
            started.daemons.add(started.startDaemon(daemonCommand(jars(), started.daemonPort), "daemon"));
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (isFree(started.daemonPort)) {
                assertTrue(System.nanoTime() < deadlineNs && started.daemons.get(0).isAlive(),
                    "the MPJ daemon did not listen:\n" + Files.readString(dir.resolve("daemon.log")));
                Thread.sleep(100);
            }
            return started;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            started.close();
            throw e;
        }
    }

    /** The namespaces' hosts, or null on loopback. */
    VirtualHosts hosts() {
        return hosts;
    }

    /** Why the jobs run on loopback instead of several hosts; null when they do not. */
    String fallback() {
        return fallback;
    }

    int daemonPort() {
        return daemonPort;
    }

    Path machines() {
        return machines;
    }

    /** The daemons (whose descendants are the ranks). */
    List<Process> daemons() {
        return daemons;
    }

    /** {@code command} as run on host {@code h} (on loopback: as it is). */
    List<String> on(int h, List<String> command) {
        return hosts == null ? command : hosts.on(h, command);
    }

    /** Where the jobs run, then {@code output}: for assertion messages. */
    String describe(String output) {
        return (hosts != null ? "hosts " + hosts.names() + " at " + hosts.addresses() : "NOTE: " + (fallback == null
            ? "one host, its loopback" : fallback)) + "\n" + output;
    }

    @Override
    public void close() {
        for (Process daemon : daemons) {
            List<ProcessHandle> children = daemon.descendants().toList();
            daemon.destroy();
            children.forEach(ProcessHandle::destroyForcibly);
            daemon.onExit().completeOnTimeout(daemon, 10, TimeUnit.SECONDS).join();
            daemon.destroyForcibly();
        }
        daemons.clear();
        if (hosts != null) {
            hosts.close();
        }
    }

    private static List<String> jars() throws IOException, InterruptedException {
        List<String> jars = new ArrayList<>();
        try (Stream<Path> lib = Files.list(MpjHome.get().resolve("lib"))) {
            lib.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> jars.add(p.toString()));
        }
        return jars;
    }

    private static List<String> daemonCommand(List<String> jars, int port) {
        return List.of(ChildJob.java(), "-cp", String.join(File.pathSeparator, jars), "runtime.daemon.MPJDaemon",
            Integer.toString(port));
    }

    private Process startDaemon(List<String> command, String name) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile());
        builder.environment().put("MPJ_HOME", MpjHome.get().toString());
        return builder.start();
    }

    /** Waits until host {@code h}'s daemon listens (asked with ss inside its namespace: no connection disturbs it). */
    private void awaitListening(int h) throws IOException, InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String listening = VirtualHosts.run(hosts.on(h, List.of("ss", "-Hltn", "sport = :" + daemonPort))
                .toArray(String[]::new));
            if (!listening.isBlank()) {
                return;
            }
            assertTrue(System.nanoTime() < deadlineNs && daemons.get(h).isAlive(), "the MPJ daemon on "
                + hosts.names().get(h) + " did not listen:\n" + Files.readString(dir.resolve("daemon-" + h + ".log")));
            Thread.sleep(100);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(0));
            return socket.getLocalPort();
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
