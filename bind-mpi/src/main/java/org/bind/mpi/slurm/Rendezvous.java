package org.bind.mpi.slurm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.bind.transport.TransportException;

/**
 * Where the tasks of one Slurm step find each other: a directory {@code ROOT/<step>} that only the user can enter
 * ({@code ROOT} defaults to {@code ~/.bind/slurm}, which clusters share between nodes).
 *
 * <p>Rank 0 creates the directory (it must not exist: a directory left by an earlier step with the same ids is
 * refused, not reused) and writes {@code credentials}: a random job id and a 32-byte secret, mode 0600. Every rank
 * waits for the credentials, then writes {@code rank-K} with the UDP endpoint it listens on, and waits for the
 * endpoints of all ranks. Files appear whole (written aside, then renamed). Another user's task cannot read the
 * secret nor add an endpoint: the directory and the files are the user's own and private, which is checked.
 *
 * <p>Once connected, each rank removes its endpoint file and rank 0 the credentials (every peer has proven it knows
 * the secret by then); the last one out removes the directory. Not thread safe: one per rank.
 */
final class Rendezvous {
    static final String CREDENTIALS = "credentials";
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
        PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final int SECRET_BYTES = 32;
    private static final long POLL_MAX_MS = 100;

    /** The job id and secret every rank of the step uses. */
    record Credentials(long jobId, byte[] secret) {
    }

    private final Path dir;
    private final int rank;
    private final int size;
    private final long timeoutMs;
    private volatile boolean left;

    private Rendezvous(Path dir, int rank, int size, long timeoutMs) {
        this.dir = dir;
        this.rank = rank;
        this.size = size;
        this.timeoutMs = timeoutMs;
    }

    /** The rendezvous of {@code step} under {@code root}, which is created private when missing and checked. */
    static Rendezvous of(Path root, SlurmStep step, long timeoutMs) {
        Path absolute = root.toAbsolutePath();
        try {
            Files.createDirectories(absolute, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
        } catch (IOException e) {
            throw new TransportException("cannot create the Slurm rendezvous directory " + absolute + ": " + e, e);
        }
        checkPrivate(absolute, true);
        return new Rendezvous(absolute.resolve(step.rendezvousName()), step.rank(), step.size(), timeoutMs);
    }

    Path dir() {
        return dir;
    }

    /** Rank 0 creates the directory and the credentials; the others wait for them (up to the timeout). */
    Credentials credentials() {
        Path file = dir.resolve(CREDENTIALS);
        if (rank == 0) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
            } catch (FileAlreadyExistsException e) {
                left = true;   // not this step's directory: leave() must not touch it
                throw new TransportException("the Slurm rendezvous directory " + dir + " exists already: an earlier"
                    + " step with the same job and step ids left it behind; remove it and run again");
            } catch (IOException e) {
                throw new TransportException("cannot create the Slurm rendezvous directory " + dir + ": " + e, e);
            }
            SecureRandom random = new SecureRandom();
            long jobId = random.nextLong();
            byte[] secret = new byte[SECRET_BYTES];
            random.nextBytes(secret);
            HexFormat hex = HexFormat.of();
            writeAtomically(file, "job " + Long.toHexString(jobId) + "\nsecret " + hex.formatHex(secret) + "\n");
            return new Credentials(jobId, secret);
        }
        String text = awaitFile(file, "rank 0's credentials");
        checkPrivate(dir, true);
        checkPrivate(file, false);
        String[] lines = text.strip().split("\n");
        try {
            if (lines.length != 2 || !lines[0].startsWith("job ") || !lines[1].startsWith("secret ")) {
                throw new IllegalArgumentException("two lines 'job HEX' and 'secret HEX' expected");
            }
            long jobId = Long.parseUnsignedLong(lines[0].substring(4).trim(), 16);
            byte[] secret = HexFormat.of().parseHex(lines[1].substring(7).trim());
            if (secret.length != SECRET_BYTES) {
                throw new IllegalArgumentException("a secret of " + secret.length + " bytes");
            }
            return new Credentials(jobId, secret);
        } catch (IllegalArgumentException e) {
            throw new TransportException("the Slurm rendezvous file " + file + " is malformed: " + e.getMessage());
        }
    }

    /** Writes this rank's endpoint ({@code host:port}). */
    void publish(String endpoint) {
        writeAtomically(dir.resolve("rank-" + rank), endpoint + "\n");
    }

    /** Every rank's endpoint, index = rank, once all are there (up to the timeout). */
    List<String> endpoints() {
        List<String> endpoints = new ArrayList<>(size);
        for (int r = 0; r < size; r++) {
            Path file = dir.resolve("rank-" + r);
            String endpoint = awaitFile(file, "the endpoint of rank " + r).strip();
            if (!endpoint.matches("[A-Za-z0-9.:\\[\\]%_-]{1,200}:\\d{1,5}")) {
                throw new TransportException("the Slurm rendezvous file " + file + " holds '" + endpoint
                    + "', not host:port");
            }
            checkPrivate(file, false);
            endpoints.add(endpoint);
        }
        return endpoints;
    }

    /** Removes this rank's files (rank 0: the credentials too) and the directory when it is empty. Idempotent. */
    synchronized void leave() {
        if (left) {
            return;
        }
        left = true;
        try {
            Files.deleteIfExists(dir.resolve("rank-" + rank));
            if (rank == 0) {
                Files.deleteIfExists(dir.resolve(CREDENTIALS));
            }
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
            // another rank's file is still there: that rank removes the directory when it leaves
        } catch (IOException e) {
            System.err.println("bind: cannot clean up the Slurm rendezvous directory " + dir + ": " + e);
        }
    }

    private String awaitFile(Path file, String what) {
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        long pauseMs = 1;
        while (true) {
            try {
                return Files.readString(file, StandardCharsets.US_ASCII);
            } catch (NoSuchFileException e) {
                // not there yet
            } catch (IOException e) {
                throw new TransportException("cannot read the Slurm rendezvous file " + file + ": " + e, e);
            }
            if (System.nanoTime() - deadlineNs > 0) {
                throw new TransportException("rank " + rank + ": " + what + " did not appear in " + dir + " within "
                    + timeoutMs + " ms (is that rank running, and is " + dir.getParent() + " on a file system all"
                    + " nodes share? set " + SlurmTransportFactory.DIR_ENV + " to one that is)");
            }
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TransportException("rank " + rank + " interrupted while waiting for " + what);
            }
            pauseMs = Math.min(POLL_MAX_MS, pauseMs * 2);
        }
    }

    private void writeAtomically(Path file, String text) {
        Path aside = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(aside);
            Files.createFile(aside, PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
            Files.writeString(aside, text, StandardCharsets.US_ASCII);
            try {
                Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(aside, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new TransportException("cannot write the Slurm rendezvous file " + file + ": " + e, e);
        }
    }

    /** Fails unless {@code path} belongs to this user and no one else may use it. */
    static void checkPrivate(Path path, boolean directory) {
        PosixFileAttributes attributes;
        String user = System.getProperty("user.name");
        try {
            attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new TransportException("cannot check the owner and mode of " + path + ": " + e, e);
        }
        if (attributes.isDirectory() != directory || attributes.isSymbolicLink()) {
            throw new TransportException(path + " is not a " + (directory ? "directory" : "regular file")
                + " (a symbolic link is refused)");
        }
        if (!attributes.owner().getName().equals(user)) {
            throw new TransportException(path + " belongs to " + attributes.owner().getName() + ", not to " + user
                + ": refusing to use another user's rendezvous");
        }
        Set<PosixFilePermission> open = new HashSet<>(attributes.permissions());
        open.retainAll(OTHERS);
        if (!open.isEmpty()) {
            throw new TransportException(path + " is accessible to other users (mode "
                + PosixFilePermissions.toString(attributes.permissions()) + "): chmod go= " + path);
        }
    }
}
