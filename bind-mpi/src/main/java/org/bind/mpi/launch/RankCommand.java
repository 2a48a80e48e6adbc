package org.bind.mpi.launch;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bind.Bind;

/**
 * The JVM command of a rank, the same for every launcher: the {@code java} the launcher runs on, the Bind agent,
 * the flags Aeron needs, the user's {@code -J} flags, the worker count, the class path (the program's, then the
 * launcher's own) and {@link MpjRankMain} running the program's main class. Launchers add their own
 * {@code -D} settings with {@link #property} before {@link #build}.
 */
final class RankCommand {
    /** Flags that Agrona needs on JDK 17 and later. */
    static final List<String> AERON_JVM_FLAGS = List.of(
        "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens", "java.base/java.nio=ALL-UNNAMED");

    private final List<String> prefix;
    private final List<String> flags = new ArrayList<>();
    private final List<String> properties = new ArrayList<>();

    /**
     * {@code prefix}: what comes before the JVM flags ({@code java} itself for a process launcher, MPJ's starter
     * command line under MPJ). With {@code oneWordFlags} every JVM flag is one word
     * ({@code --add-exports=module/package=target}), as MPJ passes each option on alone.
     */
    RankCommand(List<String> prefix, boolean oneWordFlags, List<String> jvmFlags, int workers, boolean absoluteAgent) {
        this.prefix = List.copyOf(prefix);
        String agent = agentJar();
        if (agent != null) {
            flags.add("-javaagent:" + (absoluteAgent ? Path.of(agent).toAbsolutePath().toString() : agent));
        }
        if (oneWordFlags) {
            for (int i = 0; i + 1 < AERON_JVM_FLAGS.size(); i += 2) {
                flags.add(AERON_JVM_FLAGS.get(i) + "=" + AERON_JVM_FLAGS.get(i + 1));
            }
        } else {
            flags.addAll(AERON_JVM_FLAGS);
        }
        flags.add("-Dnet.bytebuddy.safe=true");
        flags.addAll(jvmFlags);
        if (workers > 0) {
            flags.add("-D" + Bind.Context.WORKERS_PROP_NAME + "=" + workers);
        }
    }

    /** Adds {@code -Dname=value}; after the user's flags, so the launcher's settings win. */
    RankCommand property(String name, String value) {
        properties.add("-D" + name + "=" + value);
        return this;
    }

    /**
     * The whole command: prefix, flags, class path ({@code classpath} then the launcher's own; every entry made
     * absolute with {@code absoluteClasspath}), {@link MpjRankMain} running {@code mainClass} with {@code args}.
     */
    List<String> build(String classpath, boolean absoluteClasspath, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(flags);
        command.addAll(properties);
        command.add("-D" + MpjRankMain.MAIN_PROP_NAME + "=" + mainClass);
        String own = System.getProperty("java.class.path", "");
        String path = classpath.isEmpty() ? own : own.isEmpty() ? classpath : classpath + File.pathSeparator + own;
        command.add("-cp");
        command.add(absoluteClasspath ? absolute(path) : path);
        command.add(MpjRankMain.class.getName());
        command.addAll(args);
        return command;
    }

    /** {@code classpath} with every entry made absolute: the ranks may start in another directory. */
    static String absolute(String classpath) {
        List<String> entries = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                entries.add(Path.of(entry).toAbsolutePath().toString());
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /** The {@code java} this launcher runs on. */
    static String javaBinary() {
        return ProcessHandle.current().info().command()
            .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    }

    /**
     * The agent for the ranks: {@value ProcessLauncher#AGENT_PROP_NAME} if set, else bind-core's jar on this class
     * path, else Byte Buddy's agent jar (either keeps the {@code Instrumentation} for {@code Bind.init}); null: the
     * ranks self-attach.
     */
    static String agentJar() {
        String configured = System.getProperty(ProcessLauncher.AGENT_PROP_NAME);
        if (configured != null && !configured.isEmpty()) {
            return configured;
        }
        String fallback = null;
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            String name = new File(entry).getName();
            if (name.startsWith("bind-core") && name.endsWith(".jar")) {
                return entry;
            }
            if (name.startsWith("byte-buddy-agent") && name.endsWith(".jar")) {
                fallback = entry;
            }
        }
        return fallback;
    }
}
