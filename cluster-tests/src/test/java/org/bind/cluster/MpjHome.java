package org.bind.cluster;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * MPJ Express for the cluster tests: the private MPJ_HOME that {@code bin/setup-mpj} assembles (quick when done
 * already). Skips, with the reason, only when MPJ Express is not installed or bind-mpi was built without it.
 */
final class MpjHome {
    private static Path home;

    private MpjHome() {
    }

    static synchronized Path get() throws IOException, InterruptedException {
        assumeTrue(Files.isRegularFile(Path.of("/usr/share/java/mpj.jar")), "MPJ Express is not installed"
            + " (/usr/share/java/mpj.jar is missing; bin/setup-mpj installs libmpj-java): skipping the MPJ runs");
        assumeTrue(MpjHome.class.getClassLoader().getResource("org/bind/mpi/mpj/MpjJoin.class") != null,
            "bind-mpi was built without its mpj profile (MpjJoin is missing): skipping the MPJ runs");
        if (home == null) {
            Path setup = projectRoot().resolve("bin/setup-mpj");
            Process process = new ProcessBuilder(setup.toString()).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(300, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(setup + " failed:\n" + output);
            }
            Path found = Path.of(output.substring(output.lastIndexOf('\n') + 1));
            if (!Files.isRegularFile(found.resolve("lib/starter.jar"))) {
                throw new IllegalStateException(setup + " printed " + found + ", which has no lib/starter.jar");
            }
            home = found;
        }
        return home;
    }

    static Path projectRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("bin/setup-mpj"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no bin/setup-mpj above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
