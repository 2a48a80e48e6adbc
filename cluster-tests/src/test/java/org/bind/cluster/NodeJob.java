package org.bind.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A job of the container tests whose output is read line by line as it arrives ({@link Lines}: every line stamped
 * with its arrival), so that a test can act once the ranks have started and measure when each survivor reported a
 * fault: {@code bin/bindrun --machines} on this host, or {@code srun} inside a node ({@code docker exec}). Standard
 * output and error go to one {@link Lines}. {@link #await} has a hard limit; past it the caller's {@code onTimeout}
 * makes the ranks print their stacks, then the job is killed and the test fails with its output.
 */
final class NodeJob {
    private final List<String> command;
    private final Process process;
    private final Lines lines = new Lines();
    private final Thread pump;

    private NodeJob(List<String> command, Process process) {
        this.command = command;
        this.process = process;
        this.pump = new Thread(this::pump, "node-job-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts {@code command} in {@code dir} with {@code env} added to this JVM's environment. */
    static NodeJob start(List<String> command, Path dir, Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().remove("BIND_TRANSPORT");
        builder.environment().putAll(env);
        return new NodeJob(List.copyOf(command), builder.start());
    }

    /** What the job printed, line by line. */
    Lines lines() {
        return lines;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Waits until {@code count} lines match, at most {@code timeoutS}, and while the job runs; whether they did. */
    boolean awaitLines(Predicate<String> matcher, int count, long timeoutS) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        while (System.nanoTime() < deadlineNs) {
            if (lines.await(matcher, count, java.time.Duration.ofMillis(200))) {
                return true;
            }
            if (!process.isAlive()) {
                return lines.await(matcher, count, java.time.Duration.ofMillis(500));
            }
        }
        return false;
    }

    /**
     * Waits for the end, at most {@code timeoutS}; past it runs {@code onTimeout} (which asks the ranks for their
     * stacks), kills the job and fails with its output. Returns the exit status.
     */
    int await(long timeoutS, Runnable onTimeout) throws InterruptedException {
        if (!process.waitFor(timeoutS, TimeUnit.SECONDS)) {
            onTimeout.run();
            Thread.sleep(2_000);
            List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
            all.add(process.toHandle());
            all.forEach(ProcessHandle::destroyForcibly);
            pump.join(5_000);
            throw new AssertionError("job did not end within " + timeoutS + " s (the ranks' stacks follow): "
                + String.join(" ", command) + "\n" + lines.text());
        }
        pump.join(10_000);
        return process.exitValue();
    }

    /** Kills the job and what it started on this host, if it still runs (clean-up after a failed assertion). */
    void destroy() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private void pump() {
        byte[] buffer = new byte[8192];
        try (InputStream in = process.getInputStream()) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                lines.write(buffer, 0, n);
            }
        } catch (IOException e) {
            lines.stream().println("NodeJob: output lost: " + e);
        }
    }
}
