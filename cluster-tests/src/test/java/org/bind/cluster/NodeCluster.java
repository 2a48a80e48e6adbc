package org.bind.cluster;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Volume;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * Cluster nodes made of Docker containers, started with Testcontainers on a Docker network of their own: the image
 * of {@code bin/setup-docker --image} (Debian and a JRE, built from the Debian mirror; never pulled), one MPJ Express
 * daemon per node as the container's process, the project's directory and the local Maven repository mounted at
 * their own paths (the shared file system {@code --machines} needs). Jobs start from this host with
 * {@code bin/bindrun --machines}, as from a cluster's login node.
 *
 * <p>This host's name usually resolves to a loopback address here, which MPJ's starter would hand to the ranks as
 * its own; the job's JVMs on this host therefore read a hosts file ({@code -Djdk.net.hosts.file}) that gives this
 * host's name its address on the nodes' network, and every node knows that name too.
 *
 * <p>Faults as clusters see them: {@link #pause} (a frozen node), {@link #kill} (a crashed node), {@link #disconnect}
 * (a partition), {@link #netem} (delay and loss on a node's link; {@link PacketLoss} where the kernel has no netem,
 * in the namespace of the node's {@link #pid}). {@link #close} removes the containers and the
 * network, also after a fault; containers and networks left by a test JVM that was killed are removed by the next
 * {@link #start} (they carry the pid and start time of the JVM that made them).
 *
 * <p>Needs root (the engine, {@code tc} in the containers) and a Docker engine, which {@code bin/setup-docker}
 * installs and starts; where either is missing, {@link #start} skips the test with the reason.
 *
 * <p>Over 400 lines: starting the nodes, the faults and the probes of what a job left all act on the same containers
 * and network; {@link NodeJob} (streamed jobs) and {@link SlurmNodes} (Slurm on the nodes) are apart.
 */
final class NodeCluster implements AutoCloseable {
    static final int DAEMON_PORT = 40_055;
    private static final String OWNER_LABEL = "org.bind.test.nodes.owner";
    private static final String OWNER = ProcessHandle.current().pid() + "@"
        + ProcessHandle.current().info().startInstant().map(Instant::toString).orElse("?");
    private static final long SETUP_TIMEOUT_S = 1_200;
    /** What pgrep looks for: the rank main class of {@code --machines} jobs. */
    static final String RANK_MAIN = org.bind.mpi.launch.MpjRankMain.class.getName();

    private final Network network;
    private final List<GenericContainer<?>> nodes = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();
    /** Frozen nodes: true when frozen through their cgroup rather than docker pause. */
    private final Map<Integer, Boolean> paused = new HashMap<>();
    private final Path machines;
    private final Path hostsFile;
    private final Thread cleanupHook = new Thread(this::close, "node-cluster-cleanup");

    private NodeCluster(Network network, Path dir) {
        this.network = network;
        this.machines = dir.resolve("machines");
        this.hostsFile = dir.resolve("hosts");
    }

    /** {@code count} nodes on a new network, each with its MPJ daemon listening; skips where Docker is unavailable. */
    static NodeCluster start(int count, Path dir) throws IOException, InterruptedException {
        assumeTrue(isRoot(), () -> skip("the container tests need root (the Docker"
            + " engine, tc inside the nodes)"));
        String image = setUpDocker();
        Path mpjHome = MpjHome.get();
        removeLeftovers();
        Path root = MpjHome.projectRoot();
        Path repository = localRepository();
        List<String> jars = new ArrayList<>();
        try (Stream<Path> lib = Files.list(mpjHome.resolve("lib"))) {
            lib.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> jars.add(p.toString()));
        }
        String launcherHost = InetAddress.getLocalHost().getHostName();
        Network network = Network.builder().createNetworkCmdModifier(cmd -> cmd.withLabels(Map.of(OWNER_LABEL, OWNER)))
            .build();
        NodeCluster cluster = new NodeCluster(network, dir);
        Runtime.getRuntime().addShutdownHook(cluster.cleanupHook);
        try {
            String gateway = client().inspectNetworkCmd().withNetworkId(network.getId()).exec().getIpam().getConfig()
                .get(0).getGateway();
            for (int n = 0; n < count; n++) {
                String name = "bindnode-" + (char) ('a' + n);
                GenericContainer<?> node = new GenericContainer<>(DockerImageName.parse(image))
                    .withImagePullPolicy(ignored -> false)
                    .withNetwork(network)
                    .withNetworkAliases(name)
                    .withLabel(OWNER_LABEL, OWNER)
                    .withEnv("MPJ_HOME", mpjHome.toString())
                    .withExtraHost(launcherHost, gateway)
                    .withWorkingDirectory("/tmp")
                    .withCommand(ChildJob.java(), "-cp", String.join(File.pathSeparator, jars),
                        "runtime.daemon.MPJDaemon", Integer.toString(DAEMON_PORT))
                    .withCreateContainerCmdModifier(cmd -> {
                        cmd.withHostName(name);
                        cmd.getHostConfig().withCapAdd(Capability.NET_ADMIN).withShmSize(512L << 20).withBinds(
                            new Bind(root.toString(), new Volume(root.toString()), AccessMode.rw),
                            new Bind(repository.toString(), new Volume(repository.toString()), AccessMode.ro));
                    });
                cluster.nodes.add(node);
                node.start();
                cluster.names.add(name);
                cluster.addresses.add(node.getContainerInfo().getNetworkSettings().getNetworks().values().iterator()
                    .next().getIpAddress());
            }
            for (int n = 0; n < count; n++) {
                cluster.awaitDaemon(n);
            }
            Files.write(cluster.machines, cluster.addresses, StandardCharsets.UTF_8);
            StringBuilder hosts = new StringBuilder("127.0.0.1 localhost\n" + gateway + " " + launcherHost + "\n");
            for (int n = 0; n < count; n++) {
                hosts.append(cluster.addresses.get(n)).append(' ').append(cluster.names.get(n)).append('\n');
            }
            Files.writeString(cluster.hostsFile, hosts, StandardCharsets.UTF_8);
            return cluster;
        } catch (IOException | RuntimeException | InterruptedException e) {
            cluster.close();
            throw e;
        }
    }

    List<String> names() {
        return names;
    }

    List<String> addresses() {
        return addresses;
    }

    /** The node whose host name is {@code name}. */
    int node(String name) {
        int n = names.indexOf(name);
        if (n < 0) {
            throw new IllegalArgumentException("no node " + name + " in " + names);
        }
        return n;
    }

    /** Starts {@code bin/bindrun --machines <the nodes> args} on this host (the jars of this build, no new build). */
    ChildJob.Running launch(List<String> args, Path dir) throws IOException {
        List<String> command = new ArrayList<>(List.of(MpjHome.projectRoot().resolve("bin/bindrun").toString(),
            "--machines", machines.toString()));
        command.addAll(args);
        return ChildJob.start(command, dir, Map.of("BIND_BUILD", "never",
            "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + hostsFile), List.of());
    }

    /**
     * Waits for {@code job}; past {@code timeoutS} first makes the rank JVMs in the nodes print their stacks (into the
     * job's output, through their daemons), then lets {@link ChildJob.Running#await} dump the launcher's and fail.
     */
    ChildJob.Result await(ChildJob.Running job, long timeoutS) throws IOException, InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        while (job.alive() && System.nanoTime() < deadlineNs) {
            Thread.sleep(100);
        }
        if (job.alive()) {
            dumpStacks(RANK_MAIN);
            Thread.sleep(2_000);
        }
        return job.await(1);
    }

    /**
     * Freezes node {@code n} ({@code docker pause}: every process in it stops, its sockets stay open). Debian's runc
     * 1.1.5 gives up when busy threads do not reach the frozen state at once ("unable to freeze"), which a node
     * running a JVM under load often does; then the node's freezer cgroup is set FROZEN here, what docker pause
     * writes, waiting up to 30 s until the kernel reports it frozen.
     */
    void pause(int n) throws IOException, InterruptedException {
        String id = nodes.get(n).getContainerId();
        try {
            client().pauseContainerCmd(id).exec();
            paused.put(n, false);
            return;
        } catch (com.github.dockerjava.api.exception.DockerException e) {
            Path state = Path.of("/sys/fs/cgroup/freezer/docker", id, "freezer.state");
            if (!Files.isWritable(state)) {
                throw e;
            }
            System.err.println("NodeCluster: docker pause of " + names.get(n) + " failed (" + e.getMessage().strip()
                + "); freezing its cgroup through " + state);
            paused.put(n, true);
            Files.writeString(state, "FROZEN");
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(state).strip().equals("FROZEN")) {
                if (System.nanoTime() > deadlineNs) {
                    throw new IllegalStateException(names.get(n) + " not frozen within 30 s: " + state + " says "
                        + Files.readString(state).strip());
                }
                Thread.sleep(10);
            }
        }
    }

    void unpause(int n) throws IOException {
        Boolean byCgroup = paused.remove(n);
        if (byCgroup == null) {
            return;
        }
        String id = nodes.get(n).getContainerId();
        if (byCgroup) {
            Files.writeString(Path.of("/sys/fs/cgroup/freezer/docker", id, "freezer.state"), "THAWED");
        } else {
            client().unpauseContainerCmd(id).exec();
        }
    }

    /** Crashes node {@code n} ({@code docker kill}: SIGKILL to everything in it). */
    void kill(int n) {
        client().killContainerCmd(nodes.get(n).getContainerId()).exec();
    }

    /** Cuts node {@code n} off the network ({@code docker network disconnect}): its processes run on, unreachable. */
    void disconnect(int n) {
        client().disconnectFromNetworkCmd().withNetworkId(network.getId())
            .withContainerId(nodes.get(n).getContainerId()).withForce(true).exec();
    }

    /** What the threads of the processes matching {@code pattern} on node {@code n} wait in (name, kernel wchan). */
    String threadStates(int n, String pattern) throws IOException, InterruptedException {
        return exec(n, "bash", "-c", "for p in $(pgrep -f '" + pattern + "'); do [ $p = $$ ] && continue; echo \"pid $p\";"
            + " for t in /proc/$p/task/*;"
            + " do echo \"  $(cat $t/comm) $(cat $t/wchan) $(cut -d' ' -f3 $t/stat)\"; done | sort | uniq -c; done")
            .getStdout();
    }

    /** Adds {@code tc netem} with {@code spec} (e.g. delay 5ms loss 1%) to node {@code n}'s link. */
    void netem(int n, String... spec) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tc", "qdisc", "replace", "dev", "eth0", "root", "netem"));
        command.addAll(List.of(spec));
        ExecResult result = exec(n, command.toArray(String[]::new));
        if (result.getExitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " on " + names.get(n) + " failed: "
                + result.getStderr());
        }
    }

    /** The host's process id of node {@code n}'s first process (whose network namespace is the node's). */
    long pid(int n) {
        return client().inspectContainerCmd(nodes.get(n).getContainerId()).exec().getState().getPidLong();
    }

    /** What {@code tc qdisc show dev eth0} prints on node {@code n}. */
    String qdisc(int n) throws IOException, InterruptedException {
        return exec(n, "tc", "qdisc", "show", "dev", "eth0").getStdout().strip();
    }

    /** Whether node {@code n}'s container runs (and is not frozen). */
    boolean running(int n) {
        if (paused.containsKey(n)) {
            return false;
        }
        Boolean state = client().inspectContainerCmd(nodes.get(n).getContainerId()).exec().getState().getRunning();
        return Boolean.TRUE.equals(state);
    }

    /** The rank JVMs (MPJ's wrapper running Bind's rank main) on node {@code n}: their command lines. */
    List<String> rankJvms(int n) throws IOException, InterruptedException {
        return processes(n, RANK_MAIN);
    }

    /** The Aeron directories under node {@code n}'s /dev/shm. */
    List<String> aeronDirs(int n) throws IOException, InterruptedException {
        return exec(n, "ls", "-A", "/dev/shm").getStdout().lines().filter(l -> !l.isBlank()).toList();
    }

    /** Runs {@code command} in node {@code n} and waits for it. */
    ExecResult exec(int n, String... command) throws IOException, InterruptedException {
        return nodes.get(n).execInContainer(command);
    }

    /** Copies {@code file} of this host into node {@code n} at {@code path}, with {@code mode}. */
    void copyTo(int n, Path file, String path, int mode) {
        nodes.get(n).copyFileToContainer(MountableFile.forHostPath(file, mode), path);
    }

    /**
     * Starts {@code bin/bindrun --machines <the nodes> args} on this host as {@link #launch} does, its output read as
     * it arrives.
     */
    NodeJob launchStreamed(List<String> args, Path dir) throws IOException {
        List<String> command = new ArrayList<>(List.of(MpjHome.projectRoot().resolve("bin/bindrun").toString(),
            "--machines", machines.toString()));
        command.addAll(args);
        return NodeJob.start(command, dir, Map.of("BIND_BUILD", "never",
            "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + hostsFile));
    }

    /** Starts {@code bash -c script} in node {@code n} ({@code docker exec}, with {@code env}), output streamed. */
    NodeJob execStreamed(int n, Map<String, String> env, String script, Path dir) throws IOException {
        List<String> command = new ArrayList<>(List.of("docker", "exec"));
        env.forEach((name, value) -> command.addAll(List.of("-e", name + "=" + value)));
        command.addAll(List.of(nodes.get(n).getContainerId(), "bash", "-c", script));
        return NodeJob.start(command, dir, Map.of());
    }

    /** Makes the JVMs whose command line matches {@code pattern} print their stacks, on every node that runs. */
    void dumpStacks(String pattern) {
        for (int n = 0; n < nodes.size(); n++) {
            try {
                if (running(n)) {
                    exec(n, "pkill", "-QUIT", "-f", pattern);
                }
            } catch (IOException | RuntimeException e) {
                System.err.println("NodeCluster: no stacks from " + names.get(n) + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The processes of node {@code n} whose command line matches {@code pattern} ({@code pgrep -a -f}). */
    List<String> processes(int n, String pattern) throws IOException, InterruptedException {
        ExecResult result = exec(n, "pgrep", "-a", "-f", pattern);
        return result.getStdout().lines().filter(l -> !l.isBlank() && !l.contains("pgrep")).toList();
    }

    private void awaitDaemon(int n) throws IOException, InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (exec(n, "ss", "-Hltn", "sport = :" + DAEMON_PORT).getStdout().isBlank()) {
            if (System.nanoTime() > deadlineNs || !running(n)) {
                throw new IllegalStateException("the MPJ daemon on " + names.get(n) + " did not listen within 120 s:\n"
                    + nodes.get(n).getLogs());
            }
            Thread.sleep(200);
        }
    }

    /** Removes the containers, then the network (frozen nodes are thawed first); best effort, idempotent. */
    @Override
    public synchronized void close() {
        for (int n : List.copyOf(paused.keySet())) {
            try {
                unpause(n);
            } catch (IOException | RuntimeException e) {
                System.err.println("NodeCluster: cannot unpause " + names.get(n) + ": " + e.getMessage());
            }
        }
        for (GenericContainer<?> node : nodes) {
            try {
                node.stop();
            } catch (RuntimeException e) {
                System.err.println("NodeCluster: cannot remove a node: " + e.getMessage());
            }
        }
        nodes.clear();
        try {
            network.close();
        } catch (RuntimeException e) {
            System.err.println("NodeCluster: cannot remove network: " + e.getMessage());
        }
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // exiting (this is the hook) or removed already
        }
    }

    /** Runs {@code bin/setup-docker --image}; returns the image, or skips with the reason when it cannot be made. */
    private static String setUpDocker() throws IOException, InterruptedException {
        Path setup = MpjHome.projectRoot().resolve("bin/setup-docker");
        Process process = new ProcessBuilder(setup.toString(), "--image").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(SETUP_TIMEOUT_S, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(setup + " --image did not finish within " + SETUP_TIMEOUT_S + " s:\n"
                + output);
        }
        assumeTrue(process.exitValue() == 0, () -> skip(setup + " --image could not set up Docker or build the node image"
            + " (no apt-get, no Debian mirror, no engine?):\n" + output));
        String image = output.substring(output.lastIndexOf('\n') + 1);
        assumeTrue(DockerClientFactory.instance().isDockerAvailable(), () -> skip("the Docker engine does not answer"
            + " Testcontainers after " + setup));
        return image;
    }

    private static boolean isRoot() throws IOException, InterruptedException {
        Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return id.waitFor(10, TimeUnit.SECONDS) && "0".equals(uid);
    }

    /** Prints why the tests skip (JUnit reports the reason too, but only in its XML). */
    private static String skip(String reason) {
        System.err.println("NodeCluster: skipping: " + reason);
        return reason;
    }

    /** The local Maven repository the test class path comes from (Byte Buddy's jar lies in it). */
    private static Path localRepository() {
        try {
            // REPOSITORY/net/bytebuddy/byte-buddy/VERSION/byte-buddy-VERSION.jar
            Path jar = Path.of(net.bytebuddy.ByteBuddy.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI());
            Path repository = jar;
            for (int up = 0; up < 5 && repository != null; up++) {
                repository = repository.getParent();
            }
            if (repository == null || !jar.startsWith(repository.resolve("net/bytebuddy"))) {
                throw new IllegalStateException("Byte Buddy's jar " + jar + " is not in a Maven repository");
            }
            return repository;
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate Byte Buddy's jar", e);
        }
    }

    /** Containers and networks of test JVMs that no longer run (killed before their clean-up). */
    private static void removeLeftovers() {
        DockerClient client = client();
        for (Container container : client.listContainersCmd().withShowAll(true)
            .withLabelFilter(List.of(OWNER_LABEL)).exec()) {
            if (ownerGone(container.getLabels().get(OWNER_LABEL))) {
                System.err.println("NodeCluster: removing " + container.getNames()[0] + ", left by a killed run");
                client.removeContainerCmd(container.getId()).withForce(true).withRemoveVolumes(true).exec();
            }
        }
        client.listNetworksCmd().withFilter("label", List.of(OWNER_LABEL)).exec().stream()
            .filter(net -> ownerGone(net.getLabels().get(OWNER_LABEL))).forEach(net -> {
                System.err.println("NodeCluster: removing network " + net.getName() + ", left by a killed run");
                client.removeNetworkCmd(net.getId()).exec();
            });
    }

    private static boolean ownerGone(String owner) {
        if (owner == null || !owner.contains("@")) {
            return false;
        }
        String start = owner.substring(owner.indexOf('@') + 1);
        try {
            Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(owner.substring(0, owner.indexOf('@'))));
            return process.isEmpty()
                || !process.get().info().startInstant().map(Instant::toString).orElse("?").equals(start);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static DockerClient client() {
        return DockerClientFactory.instance().client();
    }
}
