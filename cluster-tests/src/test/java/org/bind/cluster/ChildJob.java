package org.bind.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A launcher run as a child process with a hard time limit: stdout and stderr go to one log file; when the limit
 * passes, every JVM of the job (the child and its descendants) prints its thread stacks (SIGQUIT) into the log, then
 * all are killed and the run fails with the log. Processes left behind after a normal end are reported too.
 */
final class ChildJob {
    /** How a run ended: exit status and the combined output. */
    record Result(int status, String output) {
    }

    private ChildJob() {
    }

    /** The JVM running the tests, for child processes. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java} with the test class path and bind-core as the ranks' agent, running {@code mainClass args}. */
    static List<String> javaCommand(String mainClass, List<String> args) {
        List<String> command = new ArrayList<>(List.of(java(), "-Dnet.bytebuddy.safe=true", "-Dbind.agent=" + coreJar(),
            "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
        return command;
    }

    /** bind-core's jar (or classes directory) on the test class path: the ranks' {@code -javaagent}. */
    static String coreJar() {
        try {
            return Path.of(org.bind.Bind.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate bind-core", e);
        }
    }

    /** Runs {@code command} in {@code dir} with {@code env} added; fails the test past {@code timeoutS}. */
    static Result run(List<String> command, Path dir, Map<String, String> env, long timeoutS)
        throws IOException, InterruptedException {
        return start(command, dir, env, List.of()).await(timeoutS);
    }

    /**
     * Starts {@code command}; {@code helpers} are other processes whose descendants belong to the job (MPJ daemons
     * start the ranks), asked for their stacks too on a timeout.
     */
    static Running start(List<String> command, Path dir, Map<String, String> env, List<Process> helpers)
        throws IOException {
        Path log = Files.createTempFile(dir, "job-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(log.toFile());
        builder.environment().remove("BIND_TRANSPORT");
        builder.environment().putAll(env);
        return new Running(command, builder.start(), log, helpers);
    }

    /** A started job. */
    static final class Running {
        private final List<String> command;
        private final Process process;
        private final Path log;
        private final List<Process> helpers;

        Running(List<String> command, Process process, Path log, List<Process> helpers) {
            this.command = command;
            this.process = process;
            this.log = log;
            this.helpers = helpers;
        }

        /** The job's process (the launcher, or what runs it). */
        ProcessHandle handle() {
            return process.toHandle();
        }

        /** Whether the job's process still runs. */
        boolean alive() {
            return process.isAlive();
        }

        /** Ends the job's process and every process below it (a daemon it started, the JVMs the daemon started). */
        void stop() throws InterruptedException {
            List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
            all.add(process.toHandle());
            all.forEach(ProcessHandle::destroy);
            for (ProcessHandle p : all) {
                p.onExit().completeOnTimeout(p, 5, TimeUnit.SECONDS).join();
            }
            all.forEach(ProcessHandle::destroyForcibly);
            process.waitFor(5, TimeUnit.SECONDS);
        }

        /** What the job printed so far. */
        String output() throws IOException {
            return Files.readString(log, StandardCharsets.UTF_8);
        }

        /** Waits for the end; past {@code timeoutS} dumps every JVM's stacks into the log, kills all and fails. */
        Result await(long timeoutS) throws IOException, InterruptedException {
            if (!process.waitFor(timeoutS, TimeUnit.SECONDS)) {
                List<ProcessHandle> jvms = new ArrayList<>();
                process.descendants().forEach(jvms::add);
                for (Process helper : helpers) {
                    helper.descendants().forEach(jvms::add);
                }
                jvms.add(process.toHandle());
                for (ProcessHandle jvm : jvms) {
                    new ProcessBuilder("kill", "-QUIT", Long.toString(jvm.pid())).start().waitFor(5, TimeUnit.SECONDS);
                }
                process.waitFor(3, TimeUnit.SECONDS);
                jvms.forEach(ProcessHandle::destroyForcibly);
                throw new AssertionError("job did not end within " + timeoutS + " s (stacks of its JVMs follow): "
                    + String.join(" ", command) + "\n" + output());
            }
            String output = output();
            Files.delete(log);
            List<ProcessHandle> left = process.descendants().filter(ProcessHandle::isAlive).toList();
            if (!left.isEmpty()) {
                left.forEach(ProcessHandle::destroyForcibly);
                throw new AssertionError("processes left running after the job ended: " + left + "\n" + output);
            }
            return new Result(process.exitValue(), output);
        }
    }
}
