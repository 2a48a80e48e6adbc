package org.bind.mpi.mpj;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;

import mpi.MPI;
import org.bind.transport.TransportException;
import org.bind.transport.TransportFactory;

/**
 * Joins the MPJ Express job this JVM (or, under the multicore device, this rank's thread) belongs to: {@code
 * MPI.Init} strips MPJ's own arguments (rank, configuration, device) and returns the application's, rank and
 * size come from {@code MPI.COMM_WORLD}, and rank 0 draws the job id, which it broadcasts as one {@code long}.
 *
 * <p>Loaded only through {@link MpjTransportFactory}, which checks first that MPJ is on the classpath. Call on the
 * rank's program thread: under the multicore device MPJ tells ranks apart by their thread group, so the
 * transport's threads are created in the caller's group.
 */
final class MpjJoin implements TransportFactory {
    /** MPJ's name for the multicore device in the arguments it gives each rank. */
    static final String MULTICORE_DEVICE = "smpdev";
    /** System property choosing the data plane: {@value #DATA_MPJ} (default) or {@value #DATA_AERON}. */
    static final String DATA_PROP_NAME = "bind.mpj.data";
    static final String DATA_MPJ = "mpj";
    static final String DATA_AERON = "aeron";
    /** System property with the job id (hex) a launcher chose; rank 0 draws one when it is absent. */
    static final String JOB_PROP_NAME = "bind.job";
    /**
     * System property naming a file that holds the job id (hex), readable by its owner only: how the launcher passes
     * it, so that the id is not on a command line other users see.
     */
    static final String JOB_FILE_PROP_NAME = "bind.job.file";

    MpjJoin() {
    }

    @Override
    public String name() {
        return MpjTransportFactory.NAME;
    }

    @Override
    public Bootstrap join(String[] args, Map<String, String> environment) {
        boolean multicore = args != null && args.length > 2 && MULTICORE_DEVICE.equals(args[2]);
        if (!multicore) {
            RankGuard.arm(args != null && args.length > 0 ? args[0] : "?", Thread.currentThread());
        }
        String[] applicationArgs;
        try {
            applicationArgs = MPI.Init(args == null ? new String[0] : args);
        } catch (RuntimeException e) {
            throw new TransportException("MPI.Init failed (is the program running under mpjrun or MPJ's starter.jar?"
                + " arguments: " + java.util.Arrays.toString(args) + "): " + e, e);
        }
        try {
            int rank = MPI.COMM_WORLD.Rank();
            int size = MPI.COMM_WORLD.Size();
            checkSharedRuntime(args, size);
            String data = System.getProperty(DATA_PROP_NAME, DATA_MPJ).trim();
            if (!data.equals(DATA_MPJ) && !data.equals(DATA_AERON)) {
                throw new TransportException(DATA_PROP_NAME + "=" + data + " must be " + DATA_MPJ + " or " + DATA_AERON);
            }
            long[] jobId = new long[1];
            if (rank == 0) {
                jobId[0] = launcherJobId();
                SecureRandom random = new SecureRandom();
                while (jobId[0] == 0) {
                    jobId[0] = random.nextLong();
                }
            }
            MPI.COMM_WORLD.Bcast(jobId, 0, 1, MPI.LONG, 0);
            RankGuard.joined();   // every rank has reached MPI.Init; a later failure throws (and is told to the others)
            String[] rest = applicationArgs == null ? new String[0] : applicationArgs;
            if (data.equals(DATA_AERON)) {
                return new Bootstrap(AeronOverMpj.join(MPI.COMM_WORLD, rank, size, jobId[0]), jobId[0], rest);
            }
            MpjTransport transport = new MpjTransport(MPI.COMM_WORLD, rank, size, MpjTransportSettings.fromProperties());
            return new Bootstrap(transport, jobId[0], rest);
        } catch (TransportException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new TransportException("joining the MPJ job failed after MPI.Init: " + e, e);
        }
    }

    /** The job id in the file {@value #JOB_FILE_PROP_NAME} or in {@value #JOB_PROP_NAME} (hex), or 0 when none was given. */
    private static long launcherJobId() {
        String file = System.getProperty(JOB_FILE_PROP_NAME, "").trim();
        String source = JOB_PROP_NAME;
        String text = System.getProperty(JOB_PROP_NAME, "").trim();
        if (!file.isEmpty()) {
            source = JOB_FILE_PROP_NAME + "=" + file;
            try {
                text = Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new TransportException("cannot read the job id from " + source + ": " + e.getMessage(), e);
            }
        }
        if (text.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseUnsignedLong(text, 16);
        } catch (NumberFormatException e) {
            throw new TransportException(source + ": '" + text + "' is not a hexadecimal job id");
        }
    }

    /**
     * Under the multicore device (MPJ passes {@value #MULTICORE_DEVICE} as its third argument) several ranks share
     * one JVM; bind-core must then come from the JVM's class path ({@link MulticoreAgentJar}), not from MPJ's
     * class loader per rank, whose copies of the interception would weave each other's classes.
     */
    private static void checkSharedRuntime(String[] args, int size) {
        boolean multicore = args != null && args.length > 2 && MULTICORE_DEVICE.equals(args[2]);
        if (multicore && size > 1 && org.bind.Bind.class.getClassLoader() == MPI.class.getClassLoader()) {
            throw new TransportException("under MPJ's multicore device, Bind's runtime must be shared by the ranks:"
                + " start the job with -javaagent:<jar written by org.bind.mpi.mpj.MulticoreAgentJar> (it puts"
                + " bind-core and Byte Buddy on the JVM's class path); bind-core was loaded by " + MPI.class.getClassLoader()
                + ", MPJ's loader for one rank");
        }
    }
}
