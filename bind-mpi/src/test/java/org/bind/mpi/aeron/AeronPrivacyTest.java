package org.bind.mpi.aeron;

import static org.bind.mpi.TransportContractTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.aeron.driver.MediaDriver;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.bind.mpi.TransportContractTest.Recorder;
import org.bind.transport.TransportException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What other users of the host can see of a job: its Aeron directories and files, their names; its secret. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AeronPrivacyTest {
    private final List<AeronTransport> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(AeronTransport::close);
    }

    /**
     * Whether a user other than the owner (in the owner's group or not) can reach and read {@code path}: every
     * directory from the root down must let it through (x) and the entry itself must let it read.
     */
    private static boolean othersCanRead(Path path) throws IOException {
        for (PosixFilePermission[] who : new PosixFilePermission[][] {
            {PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_READ},
            {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_READ}}) {
            boolean reachable = true;
            for (Path dir = path.toAbsolutePath().getParent(); dir != null; dir = dir.getParent()) {
                reachable &= Files.getPosixFilePermissions(dir).contains(who[0]);
            }
            if (reachable && Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS).contains(who[1])) {
                return true;
            }
        }
        return false;
    }

    @Test
    void shouldKeepEveryFileOfARankPrivateToItsUser() throws Exception {
        assertEveryFilePrivate(AeronTestJobs.settings(2));
    }

    /** Over IPC: the directory of the media driver the ranks share, the log buffers of their publications in it. */
    @Test
    void shouldKeepEveryFileOfASharedDriverPrivateToItsUser() throws Exception {
        AeronSettings[] settings = AeronTestJobs.ipc(AeronTestJobs.settings(2));
        MediaDriver driver = AeronTestJobs.sharedDriver(settings[0]);
        try {
            assertEveryFilePrivate(settings);
        } finally {
            opened.forEach(AeronTransport::close);
            CloseHelper.quietClose(driver);
            IoUtil.delete(settings[0].jobSharedDir(), true);
        }
    }

    private void assertEveryFilePrivate(AeronSettings[] settings) throws Exception {
        AeronTransport[] transports = {new AeronTransport(settings[0]), new AeronTransport(settings[1])};
        opened.addAll(List.of(transports));
        Recorder recorder = new Recorder(2);
        Thread starter = new Thread(() -> transports[1].start(recorder));
        starter.start();
        transports[0].awaitConnected();
        starter.join(20_000);
        transports[0].send(1, ByteBuffer.allocate(4_000));   // log buffers in use at both ends
        await("the frame", 5_000, () -> recorder.count(0) == 1);
        String user = System.getProperty("user.name");
        for (AeronTransport transport : transports) {
            Path dir = transport.aeronDir().toPath();
            PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
            assertEquals("rwx------", PosixFilePermissions.toString(attributes.permissions()), dir + "'s mode");
            assertEquals(user, attributes.owner().getName(), dir + "'s owner");
            List<Path> entries;
            try (Stream<Path> walk = Files.walk(dir)) {
                entries = walk.toList();
            }
            assertTrue(entries.size() > 3, () -> "expected the driver's files under " + dir + ": " + entries);
            for (Path entry : entries) {
                assertFalse(othersCanRead(entry), () -> entry + " can be read by other users ("
                    + modes(entry) + ")");
                assertFalse(Files.isSymbolicLink(entry), () -> entry + " is a link");
                assertEquals(user, Files.getOwner(entry, LinkOption.NOFOLLOW_LINKS).getName(), entry + "'s owner");
            }
        }
    }

    private static String modes(Path entry) {
        StringBuilder modes = new StringBuilder();
        for (Path p = entry; p != null; p = p.getParent()) {
            try {
                modes.append(p).append('=').append(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
                    .append(' ');
            } catch (IOException e) {
                modes.append(p).append("=? ");
            }
        }
        return modes.toString();
    }

    @Test
    void shouldReplaceAStaleDirectoryOfTheSameNameByAPrivateOne() throws Exception {
        AeronSettings settings = AeronTestJobs.settings(1)[0];
        Path dir = settings.aeronDir().toPath();
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(dir.resolve("planted"), "left by someone");
        AeronTransport transport = new AeronTransport(settings);
        opened.add(transport);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertFalse(Files.exists(dir.resolve("planted")), "a stale file was kept");
    }

    @Test
    void shouldNotShowTheJobIdInTheNamesOfAeronDirectories() {
        AeronSettings settings = AeronTestJobs.settings(1)[0];
        String name = settings.aeronDir().getName();
        String job = Long.toHexString(settings.jobId());
        assertFalse(name.contains(job) || name.contains(Long.toUnsignedString(settings.jobId())),
            () -> name + " shows job " + job);
        assertTrue(name.startsWith(AeronSettings.dirPrefix(settings.jobId())), name);
        assertFalse(AeronSettings.dirPrefix(settings.jobId()).equals(AeronSettings.dirPrefix(settings.jobId() + 1)),
            "two jobs share a directory prefix");
    }

    @Test
    void shouldRefuseAnEmptyOrShortSecretWhenAPeerIsOnAnotherHost() {
        List<InetSocketAddress> peers = List.of(InetSocketAddress.createUnresolved("127.0.0.1", 40_001),
            InetSocketAddress.createUnresolved("10.1.2.3", 40_002));
        for (int bytes : new int[] {0, 1, AeronSettings.MIN_SECRET_BYTES - 1}) {
            TransportException thrown = assertThrows(TransportException.class,
                () -> AeronSettings.of(0, 2, 7, peers, new byte[bytes], Map.of()));
            assertEquals("a secret of " + bytes + " bytes is refused for a job with peers on other hosts (rank 1 at"
                + " 10.1.2.3:40002): BIND_SECRET must hold at least 16 bytes", thrown.getMessage());
        }
        AeronSettings.of(0, 2, 7, peers, new byte[AeronSettings.MIN_SECRET_BYTES], Map.of());
        List<InetSocketAddress> named = List.of(InetSocketAddress.createUnresolved("localhost", 40_001),
            InetSocketAddress.createUnresolved("node2", 40_002));
        assertThrows(TransportException.class, () -> AeronSettings.of(0, 2, 7, named, new byte[0], Map.of()));
        List<InetSocketAddress> local = List.of(InetSocketAddress.createUnresolved("localhost", 40_001),
            InetSocketAddress.createUnresolved("127.0.0.2", 40_002), InetSocketAddress.createUnresolved("::1", 40_003));
        assertEquals(0, AeronSettings.of(0, 3, 7, local, new byte[0], Map.of()).secret().length);
    }
}
