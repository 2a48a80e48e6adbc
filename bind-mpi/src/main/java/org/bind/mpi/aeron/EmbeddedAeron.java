package org.bind.mpi.aeron;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.ErrorHandler;
import org.agrona.IoUtil;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.bind.intercept.ModuleAccess;

/**
 * The media driver each rank embeds, and its client. {@link ThreadingMode#SHARED}: one driver thread (conductor,
 * sender and receiver) that parks when idle, which measured lowest at rest; no async executor thread (endpoints are
 * addresses, so nothing slow runs on the conductor); daemon threads, so a program that never closes Bind can exit.
 * Stateless; thread safe. Public so that benchmarks can compare with raw Aeron on exactly this configuration.
 */
public final class EmbeddedAeron {
    private static final int WINDOW_BYTES = 2 << 20;
    private static final int DEFAULT_WINDOW_BYTES = 128 * 1024;

    private EmbeddedAeron() {
    }

    /** What Agrona and Aeron use of java.base: the flags {@code bin/bindrun} passes, or granted at run time. */
    private static final List<String> JAVA_BASE_EXPORTS = List.of("jdk.internal.misc");
    private static final List<String> JAVA_BASE_OPENS = List.of("sun.nio.ch", "java.nio");

    /** The JVM flags that give Agrona and Aeron their access to java.base, for a JVM this one starts. */
    public static List<String> jvmFlags() {
        List<String> flags = new java.util.ArrayList<>();
        JAVA_BASE_EXPORTS.forEach(p -> flags.add("--add-exports=java.base/" + p + "=ALL-UNNAMED"));
        JAVA_BASE_OPENS.forEach(p -> flags.add("--add-opens=java.base/" + p + "=ALL-UNNAMED"));
        return flags;
    }

    /**
     * Gives Agrona and Aeron the access to java.base they need when the JVM was started without the flags (for
     * example by MPJ Express's {@code mpjrun}); before Agrona's first use.
     */
    public static void grantJdkAccess() {
        ModuleAccess.grantJavaBase(MediaDriver.class.getClassLoader(), JAVA_BASE_EXPORTS, JAVA_BASE_OPENS);
    }

    /**
     * Starts a driver for the private directory {@code dir}: {@code dir} is made afresh (a stale one is deleted) with
     * mode {@code rwx------}, and the driver's own directory is {@link #driverDir}, inside it. Other users of the host
     * thus cannot list the driver's files nor open its log buffers and control file, whatever modes the driver gives
     * them (it recreates its directory at start, so a mode set on that one would be lost). Deleting {@code dir}
     * removes everything.
     *
     * @throws IllegalStateException when the directory cannot be made private
     */
    public static MediaDriver launchDriver(AeronSettings settings, File dir, ErrorHandler errorHandler) {
        grantJdkAccess(); // before Agrona is first used (IoUtil in makePrivateDirectory, the driver)
        makePrivateDirectory(dir);
        File aeronDir = driverDir(dir);
        int window = receiveWindow(settings.termBytes());
        return MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(aeronDir.getPath())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(idleStrategy(settings))
            .sharedThreadFactory(EmbeddedAeron::daemon)
            .asyncExecutorEnabled(false)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(true)
            .publicationTermBufferLength(settings.termBytes())
            .ipcTermBufferLength(64 * 1024)
            .mtuLength(settings.mtuBytes())
            .socketRcvbufLength(window)
            .socketSndbufLength(window)
            .initialWindowLength(window)
            .printConfigurationOnStart(false)
            .warnIfDirectoryExists(false)
            .errorHandler(errorHandler));
    }

    /** Deletes {@code dir} if it exists, then creates it with mode {@code rwx------} (set at creation: no window). */
    static void makePrivateDirectory(File dir) {
        Path path = dir.toPath();
        try {
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                IoUtil.delete(dir, false);
            }
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent); // a configured root (bind.aeron.dir) that does not exist yet
            }
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rwx------")));
            } else {
                Files.createDirectory(path);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot make the private Aeron directory " + dir + ": " + e, e);
        }
    }

    /** The driver's directory inside the private directory {@code dir}. */
    public static File driverDir(File dir) {
        return new File(dir, "driver");
    }

    /** A client of the driver started for the private directory {@code dir}. */
    public static Aeron connect(File dir, ErrorHandler errorHandler) {
        return Aeron.connect(new Aeron.Context()
            .aeronDirectoryName(driverDir(dir).getPath())
            .threadFactory(EmbeddedAeron::daemon)
            .errorHandler(errorHandler));
    }

    /** Spins and yields briefly, then parks up to {@code maxIdleParkNs}: ~1 % of a core per idle thread at 1 ms. */
    public static IdleStrategy idleStrategy(AeronSettings settings) {
        return new BackoffIdleStrategy(10, 10, TimeUnit.MICROSECONDS.toNanos(1), settings.maxIdleParkNs());
    }

    /**
     * The receive window and socket buffers: 2 MiB (about +25 % loopback throughput with 64 KiB datagrams, measured)
     * when the kernel grants such socket buffers, else Aeron's 128 KiB default.
     */
    private static int receiveWindow(int termBytes) {
        int desired = Math.min(WINDOW_BYTES, termBytes / 2);
        try (DatagramSocket probe = new DatagramSocket(null)) {
            probe.setReceiveBufferSize(desired);
            probe.setSendBufferSize(desired);
            if (probe.getReceiveBufferSize() >= desired && probe.getSendBufferSize() >= desired) {
                return desired;
            }
        } catch (IOException e) {
            // fall back to the default
        }
        return DEFAULT_WINDOW_BYTES;
    }

    private static Thread daemon(Runnable task) {
        Thread thread = new Thread(task);
        thread.setDaemon(true);
        return thread;
    }
}
