package org.bind.testing;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@code main} class of the test classpath in a child JVM (same {@code java}, same classpath, the same
 * {@code -javaagent} as this JVM) with a hard time limit. On timeout the child's stacks are taken with
 * {@code jstack}, the child is killed, and the result says so.
 */
public final class ChildJvm {
    /** How a child run ended: its exit code (-1 when killed), its merged stdout and stderr, and a stack dump if killed. */
    public record Result(int exitCode, boolean timedOut, String output, String stacks) {
        /** Everything known about the run, for assertion messages. */
        public String describe() {
            return "exit code " + exitCode + (timedOut ? " (killed after timeout)" : "") + "\n--- output ---\n"
                + output + (stacks.isEmpty() ? "" : "\n--- jstack ---\n" + stacks);
        }
    }

    private ChildJvm() {
    }

    /** Runs {@code mainClass} with extra JVM options and program arguments, killing it after {@code limit}. */
    public static Result run(Class<?> mainClass, List<String> jvmOptions, List<String> args, Duration limit)
        throws IOException, InterruptedException {
        return run(mainClass, agentJar(), jvmOptions, args, limit);
    }

    /** Like {@link #run(Class, List, List, Duration)} with {@code agentJar} as the Java agent; null: none (self-attach). */
    public static Result run(Class<?> mainClass, String agentJar, List<String> jvmOptions, List<String> args,
                             Duration limit) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (agentJar != null) {
            command.add("-javaagent:" + agentJar);
        }
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        Path log = Files.createTempFile("bind-child-", ".log");
        try {
            Process child = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
            boolean exited = child.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            String stacks = "";
            if (!exited) {
                stacks = jstack(child.pid());
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            return new Result(exited ? child.exitValue() : -1, !exited, output, stacks);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** The agent jar this JVM was started with, else byte-buddy-agent from the classpath. */
    static String agentJar() {
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (option.startsWith("-javaagent:")) {
                String spec = option.substring("-javaagent:".length());
                int equals = spec.indexOf('=');
                return equals < 0 ? spec : spec.substring(0, equals);
            }
        }
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (new File(entry).getName().startsWith("byte-buddy-agent")) {
                return entry;
            }
        }
        throw new IllegalStateException("no -javaagent option and no byte-buddy-agent jar on the classpath");
    }

    private static String jstack(long pid) {
        Path jstack = Path.of(System.getProperty("java.home"), "bin", "jstack");
        if (!Files.isExecutable(jstack)) {
            return "(no jstack in " + jstack.getParent() + ")";
        }
        try {
            Path out = Files.createTempFile("bind-jstack-", ".txt");
            try {
                Process p = new ProcessBuilder(jstack.toString(), Long.toString(pid)).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return "(jstack did not answer within 20 s)";
                }
                return Files.readString(out, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return "(jstack failed: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted while running jstack)";
        }
    }
}
