package org.bind.mpi.slurm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.bind.transport.Transport;
import org.bind.transport.TransportException;
import org.bind.transport.TransportFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Slurm join without Slurm: the environment of two tasks of one step, as slurmstepd sets it, handed to the
 * factory from two threads. Checks the step parsing, the rendezvous (shared credentials, endpoints, clean-up) and
 * the refusals that keep another user's job out.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlurmTransportFactoryTest {
    @TempDir
    Path dir;

    private final ExecutorService tasks = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        tasks.shutdownNow();
    }

    private Map<String, String> task(int rank, int size) {
        Map<String, String> env = new HashMap<>();
        env.put("SLURM_PROCID", Integer.toString(rank));
        env.put("SLURM_STEP_NUM_TASKS", Integer.toString(size));
        env.put("SLURM_NTASKS", Integer.toString(size));
        env.put("SLURM_JOB_ID", "4242");
        env.put("SLURM_STEP_ID", "3");
        env.put("SLURM_STEP_NUM_NODES", "1");
        env.put("SLURMD_NODENAME", "node1");
        env.put("SLURM_CLUSTER_NAME", "bind");
        env.put("SLURM_STEP_LAUNCHER_PORT", "33449");
        env.put(SlurmTransportFactory.DIR_ENV, dir.resolve("rendezvous").toString());
        env.put("BIND_AERON_DIR", dir.resolve("aeron").toString());
        env.put(SlurmTransportFactory.TIMEOUT_ENV, "20000");
        return env;
    }

    @Test
    void shouldBeFoundByName() {
        assertTrue(ServiceLoader.load(TransportFactory.class).stream()
            .anyMatch(provider -> provider.get().name().equals("slurm")), "slurm factory not registered");
    }

    @Test
    void shouldTellAnSrunTaskFromTheBatchStep() {
        Map<String, String> env = task(1, 2);
        assertTrue(SlurmStep.isTask(env));
        SlurmStep step = SlurmStep.of(env);
        assertEquals(new SlurmStep(1, 2, 4242, 3, 1, "node1", "bind", "33449"), step);
        assertEquals("bind-4242.3-33449", step.rendezvousName());
        env.remove("SLURM_STEP_ID");   // an sbatch script runs in the batch step: no step id
        assertFalse(SlurmStep.isTask(env));
        env.put("SLURM_STEP_ID", "batch");
        assertFalse(SlurmStep.isTask(env));
        String message = assertThrows(TransportException.class, () -> SlurmStep.of(env)).getMessage();
        assertTrue(message.startsWith("not a task of a Slurm step (SLURM_STEP_ID=batch"), message);
    }

    @Test
    void shouldNameAMissingOrWrongVariable() {
        Map<String, String> env = task(0, 2);
        env.remove("SLURM_JOB_ID");
        String message = assertThrows(TransportException.class, () -> SlurmStep.of(env)).getMessage();
        assertEquals("SLURM_JOB_ID is not set in this Slurm task's environment", message);
        Map<String, String> outOfRange = task(2, 2);
        message = assertThrows(TransportException.class, () -> SlurmStep.of(outOfRange)).getMessage();
        assertEquals("SLURM_PROCID=2 is out of range for a step of 2 tasks", message);
        Map<String, String> badCluster = task(0, 2);
        badCluster.put("SLURM_CLUSTER_NAME", "../x");
        message = assertThrows(TransportException.class, () -> SlurmStep.of(badCluster).rendezvousName()).getMessage();
        assertTrue(message.contains("not a plain file name"), message);
    }

    @Test
    void shouldJoinTheTasksOfAStepIntoOneJob() throws Exception {
        int size = 3;
        List<Future<TransportFactory.Bootstrap>> joins = new ArrayList<>();
        for (int rank = 0; rank < size; rank++) {
            Map<String, String> env = task(rank, size);
            joins.add(tasks.submit(() -> new SlurmTransportFactory().join(new String[] {"a"}, env)));
        }
        List<Transport> transports = new ArrayList<>();
        try {
            List<BlockingQueue<String>> received = new ArrayList<>();
            long jobId = 0;
            for (int rank = 0; rank < size; rank++) {
                TransportFactory.Bootstrap joined = joins.get(rank).get(30, TimeUnit.SECONDS);
                transports.add(joined.transport());
                assertEquals(rank, joined.transport().rank());
                assertEquals(size, joined.transport().size());
                assertArrayEquals(new String[] {"a"}, joined.applicationArgs());
                if (rank == 0) {
                    jobId = joined.jobId();
                }
                assertEquals(jobId, joined.jobId(), "every rank has rank 0's job id");
            }
            for (Transport transport : transports) {
                BlockingQueue<String> queue = new ArrayBlockingQueue<>(16);
                received.add(queue);
                transport.start(new Transport.Receiver() {
                    @Override
                    public void onFrame(int fromRank, ByteBuffer frame) {
                        queue.add(fromRank + ":" + StandardCharsets.UTF_8.decode(frame));
                    }

                    @Override
                    public void onPeerLost(int rank, String reason) {
                        queue.add("lost " + rank);
                    }

                    @Override
                    public void onPeerClosed(int rank) {
                        queue.add("closed " + rank);
                    }
                });
            }
            transports.get(0).send(2, ByteBuffer.wrap("to two".getBytes(StandardCharsets.UTF_8)));
            transports.get(2).send(1, ByteBuffer.wrap("to one".getBytes(StandardCharsets.UTF_8)));
            assertEquals("0:to two", received.get(2).poll(10, TimeUnit.SECONDS));
            assertEquals("2:to one", received.get(1).poll(10, TimeUnit.SECONDS));
            // connected: the rendezvous is gone already (every peer proved it knows the secret)
            assertEquals(List.of(), list(dir.resolve("rendezvous")));
        } finally {
            transports.forEach(Transport::close);
        }
        assertEquals(List.of(), list(dir.resolve("aeron")), "Aeron directories left");
    }

    @Test
    void shouldRefuseARendezvousRootOthersCanEnter() throws Exception {
        Path root = Files.createDirectory(dir.resolve("rendezvous"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        String message = assertThrows(TransportException.class,
            () -> new SlurmTransportFactory().join(new String[0], task(0, 2))).getMessage();
        assertEquals(root + " is accessible to other users (mode rwxr-xr-x): chmod go= " + root, message);
    }

    @Test
    void shouldRefuseADirectoryLeftByAnEarlierStepWithTheSameIds() throws Exception {
        Path stale = dir.resolve("rendezvous").resolve("bind-4242.3-33449");
        Files.createDirectories(stale,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        String message = assertThrows(TransportException.class,
            () -> new SlurmTransportFactory().join(new String[0], task(0, 2))).getMessage();
        assertTrue(message.startsWith("the Slurm rendezvous directory " + stale + " exists already"), message);
        assertTrue(Files.isDirectory(stale), "another step's directory is not removed");
    }

    @Test
    void shouldNameTheRankThatNeverCame() {
        Map<String, String> env = task(1, 2);
        env.put(SlurmTransportFactory.TIMEOUT_ENV, "300");
        String message = assertThrows(TransportException.class,
            () -> new SlurmTransportFactory().join(new String[0], env)).getMessage();
        assertTrue(message.startsWith("rank 1: rank 0's credentials did not appear in " + dir.resolve("rendezvous")
            .resolve("bind-4242.3-33449") + " within 300 ms"), message);
    }

    @Test
    void shouldRefuseCredentialsOfAnotherUser() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "only root can give a file to another user here:"
            + " skipping the ownership check");
        Path step = Files.createDirectories(dir.resolve("rendezvous").resolve("bind-4242.3-33449"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path credentials = Files.writeString(step.resolve(Rendezvous.CREDENTIALS), "job 1\nsecret " + "00".repeat(32));
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
        UserPrincipal nobody = credentials.getFileSystem().getUserPrincipalLookupService()
            .lookupPrincipalByName("nobody");
        Files.setOwner(credentials, nobody);
        String message = assertThrows(TransportException.class,
            () -> new SlurmTransportFactory().join(new String[0], task(1, 2))).getMessage();
        assertEquals(credentials + " belongs to nobody, not to root: refusing to use another user's rendezvous",
            message);
    }

    @Test
    void shouldListenWhereThePeersReachThisNode() throws Exception {
        SlurmStep oneNode = new SlurmStep(0, 2, 1, 0, 1, "node1", "", "");
        assertEquals(InetAddress.getLoopbackAddress(), SlurmTransportFactory.listenAddress(oneNode, null));
        SlurmStep twoNodes = new SlurmStep(0, 2, 1, 0, 2, "localhost", "", "");
        assertEquals(InetAddress.getByName("10.1.2.3"), SlurmTransportFactory.listenAddress(twoNodes, "10.1.2.3"));
        String message = assertThrows(TransportException.class,
            () -> SlurmTransportFactory.listenAddress(twoNodes, null)).getMessage();
        assertTrue(message.startsWith("this node's name 'localhost' resolves to ") && message.contains(
            "none of which is a non-loopback address of this host") && message.endsWith(
            ": set BIND_AERON_ADDRESS to the address other nodes reach this one at"), message);
        Optional<InetAddress> own = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
            .filter(SlurmTransportFactoryTest::isUp) // a down interface (docker0 without containers) is no address
            .flatMap(nic -> Collections.list(nic.getInetAddresses()).stream())
            .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress()).findFirst();
        assumeTrue(own.isPresent(), "this host has no IPv4 address but loopback: skipping the node-name case");
        SlurmStep named = new SlurmStep(0, 2, 1, 0, 2, own.get().getHostAddress(), "", "");
        assertEquals(own.get(), SlurmTransportFactory.listenAddress(named, null));
    }

    private static boolean isUp(NetworkInterface nic) {
        try {
            return nic.isUp();
        } catch (java.net.SocketException e) {
            return false;
        }
    }

    private static List<Path> list(Path directory) throws Exception {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.toList();
        }
    }
}
