package org.bind.mpi.launch;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;

import org.bind.dag.LaunchedMain;
import org.bind.intercept.SourceFiles;
import org.bind.mpi.aeron.LauncherWatch;

/**
 * The main class of every rank JVM the launchers start ({@link MpjLauncher} through MPJ Express,
 * {@link ProcessLauncher} directly): runs the program's main class ({@value #MAIN_PROP_NAME}) with the arguments
 * given (under MPJ, MPJ's own first, which {@code Bind.init} strips) as a {@link LaunchedMain}, so that when it
 * throws the other ranks fail naming this rank and the exception. Under MPJ it also records how main ended in the
 * job's status directory ({@value #STATUS_DIR_PROP_NAME}), because MPJ's starter reports success whatever the ranks
 * did: {@code rank-R.status} holds {@code 0} when main returned, {@code 1 <exception>} when it threw. A rank that
 * leaves no status file was killed, crashed, or called {@code System.exit} from main. There it also prints its
 * stacks and exits when the launcher asks, at the job's time limit ({@link StackRequestWatch}), and it exits when the
 * launcher is gone, whatever ended it: on the launcher's host by watching its process, on other hosts by watching its
 * heartbeat in the job directory ({@link LauncherBeat}).
 *
 * <p>After main returns the JVM exits with status 0 even if threads are left (MPJ's own are), so a finished rank
 * never lingers; with {@value #EXIT_PROP_NAME}{@code =false} it ends as a plain JVM does, when the program's last
 * thread ends. When main throws, the JVM exits with status 1. With {@value #TAG_PROP_NAME} set, every output line
 * starts with {@code [rank R] }.
 *
 * <p>The rank's output never keeps it alive ({@link RankOutput}): {@code System.out} and {@code System.err} are
 * bounded queues written out by daemon threads, so a rank whose output is not being read (its node lost the network
 * through which its MPJ daemon or {@code slurmstepd} forwards it) drops output instead of blocking; and once main
 * has ended and the rank exits, it halts if it has not ended within {@link ExitDeadline}'s deadline. Also the main
 * class of a Slurm task ({@code bin/bindrun} under {@code srun}, {@value #RANK_PROP_NAME} set to its rank).
 */
public final class MpjRankMain {
    public static final String MAIN_PROP_NAME = "bind.launch.main";
    public static final String STATUS_DIR_PROP_NAME = "bind.launch.status.dir";
    public static final String TAG_PROP_NAME = "bind.launch.tag";
    public static final String EXIT_PROP_NAME = "bind.launch.exit";
    /** The launcher's pid and host: a rank on that host exits when the launcher is gone (any signal). */
    public static final String LAUNCHER_PID_PROP_NAME = "bind.launcher.pid";
    public static final String LAUNCHER_HOST_PROP_NAME = "bind.launcher.host";
    public static final String RANK_PROP_NAME = "bind.launch.rank";

    private MpjRankMain() {
    }

    /**
     * Ends this rank when its launcher is gone: on the launcher's host ({@value #LAUNCHER_HOST_PROP_NAME}) by watching
     * its process ({@value #LAUNCHER_PID_PROP_NAME}, {@link LauncherWatch}); on another host, which cannot see that
     * process, by watching the launcher's heartbeat in the job's status directory ({@link LauncherBeat}).
     */
    private static void watchLauncher(String rank, Path statusDir) {
        String pid = System.getProperty(LAUNCHER_PID_PROP_NAME, "").trim();
        String host = System.getProperty(LAUNCHER_HOST_PROP_NAME, "").trim();
        if (!pid.isEmpty() && !host.isEmpty() && host.equals(LaunchOptions.localHostName())) {
            try {
                LauncherWatch.watchPid(Long.parseLong(pid), rank);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(LAUNCHER_PID_PROP_NAME + "='" + pid + "' is not a process id");
            }
        } else if (statusDir != null) {
            LauncherBeat.watch(statusDir, LauncherBeat.timeoutMs(), why -> LauncherWatch.exitRank("bind: rank " + rank
                + ": its launcher" + (host.isEmpty() ? "" : " on " + host) + " is gone: " + why + "; exiting"));
        }
    }

    public static void main(String[] args) throws Throwable {
        String mainClass = System.getProperty(MAIN_PROP_NAME, "").trim();
        if (mainClass.isEmpty()) {
            throw new IllegalStateException(MAIN_PROP_NAME + " is not set: MpjRankMain runs the class it names");
        }
        String rank = rankLabel(args);
        RankOutput output = RankOutput.install(rank, Boolean.getBoolean(TAG_PROP_NAME));
        String statusDir = System.getProperty(STATUS_DIR_PROP_NAME, "").trim();
        Path status = statusDir.isEmpty() ? null : Path.of(statusDir, "rank-" + rank + ".status");
        watchLauncher(rank, status == null ? null : status.getParent());
        if (status != null) {
            StackRequestWatch.start(status.getParent(), rank);
            record(status.resolveSibling("rank-" + rank + ".started"), "started");
        }
        MethodHandle found;
        try {
            Class<?> type = Class.forName(mainClass, true, Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader() : MpjRankMain.class.getClassLoader());
            found = MethodHandles.publicLookup().findStatic(type, "main", MethodType.methodType(void.class, String[].class));
        } catch (ReflectiveOperationException e) {
            record(status, "1 cannot run " + mainClass + ": " + e);
            System.err.println("bindrun: rank " + rank + " cannot run " + mainClass + ": no public static void main(String[])"
                + " found (" + e + ")");
            exit(output, rank, 1, "main could not start");
            return;
        }
        MethodHandle main = found;
        try {
            LaunchedMain.run(() -> {
                main.invokeExact(args); // a statement, so that the exact type is (String[])void
            });
        } catch (Throwable t) {
            Throwable cause = t instanceof InvocationTargetException ? t.getCause() : t;
            System.err.print("Exception in thread \"main\" ");
            SourceFiles.repair(cause).printStackTrace();
            record(status, "1 " + cause);
            exit(output, rank, 1, "main threw " + cause.getClass().getName());
        }
        record(status, "0");
        if (!"false".equals(System.getProperty(EXIT_PROP_NAME))) {
            exit(output, rank, 0, "main returned");
        }
        output.finish();
    }

    /**
     * The rank's name in its output: {@value #RANK_PROP_NAME} when set (a Slurm task's {@code SLURM_PROCID}), else
     * MPJ's first argument (the rank), else the process id.
     */
    static String rankLabel(String[] args) {
        String given = System.getProperty(RANK_PROP_NAME, "").trim();
        if (given.matches("\\d{1,9}")) {
            return given;
        }
        if (System.getProperty(STATUS_DIR_PROP_NAME) != null && args.length > 0 && args[0].matches("\\d{1,9}")) {
            return args[0];
        }
        return "pid" + ProcessHandle.current().pid();
    }

    /**
     * Writes out what is queued (bounded by the drain time), then exits with {@code status}; the JVM halts if it has
     * not ended within {@link ExitDeadline}'s deadline, whatever its hooks or other threads are stuck in.
     */
    private static void exit(RankOutput output, String rank, int status, String why) {
        ExitDeadline.arm(rank, status, why);
        output.finish();
        System.exit(status);
    }

    /** Writes {@code text} to {@code status} atomically (a reader sees all of it or no file); null: nowhere. */
    private static void record(Path status, String text) {
        if (status != null) {
            StatusDirectory.write(status, text);
        }
    }
}
