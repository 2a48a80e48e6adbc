package org.bind.mpi.mpj;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What the MPJ launch tests need: the private MPJ_HOME that {@code bin/setup-mpj} assembles, and the classpaths
 * of the launched ranks. Skips (JUnit assumption) only when MPJ Express is not installed.
 */
public final class MpjInstallation {
    static final Path MPJ_JAR = Path.of("/usr/share/java/mpj.jar");

    private MpjInstallation() {
    }

    /** MPJ_HOME, assembled by {@code bin/setup-mpj} (quick and quiet when done already); skips without MPJ. */
    public static Path mpjHome() throws IOException, InterruptedException {
        assumeTrue(Files.isRegularFile(MPJ_JAR), "MPJ Express is not installed (" + MPJ_JAR
            + " is missing): run bin/setup-mpj to install libmpj-java; skipping the MPJ launch tests");
        assumeTrue(MpjInstallation.class.getClassLoader().getResource("org/bind/mpi/mpj/MpjJoin.class") != null,
            "bind-mpi was built without its mpj profile (MpjJoin is missing): skipping the MPJ launch tests");
        Path setup = projectRoot().resolve("bin/setup-mpj");
        Process process = new ProcessBuilder(setup.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(setup + " failed:\n" + output);
        }
        Path home = Path.of(output.substring(output.lastIndexOf('\n') + 1));
        if (!Files.isRegularFile(home.resolve("lib/starter.jar"))) {
            throw new IllegalStateException(setup + " printed " + home + ", which has no lib/starter.jar");
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

    /** Where {@code type} was loaded from: a jar or a classes directory. */
    static Path locationOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate " + type.getName(), e);
        }
    }

    /** bind-core, Byte Buddy and Byte Buddy's agent: what the multicore agent jar puts in the parent loader. */
    static List<Path> runtime() {
        return List.of(locationOf(org.bind.Bind.class), locationOf(net.bytebuddy.ByteBuddy.class),
            locationOf(net.bytebuddy.agent.ByteBuddyAgent.class));
    }

    /** Byte Buddy's agent jar, for {@code -javaagent}. */
    static Path byteBuddyAgent() {
        return locationOf(net.bytebuddy.agent.ByteBuddyAgent.class);
    }

    /** The ranks' classpath: this test's classes, bind-mpi and Agrona, then the runtime (MPJ brings its own jars). */
    static String rankClasspath() {
        Set<Path> entries = new LinkedHashSet<>();
        entries.add(locationOf(MpjSmokeMain.class));
        entries.add(locationOf(MpjTransportFactory.class));
        entries.add(locationOf(org.agrona.concurrent.IdleStrategy.class));   // bind-mpi's Agrona (in aeron-all)
        entries.addAll(runtime());
        List<String> paths = new ArrayList<>();
        for (Path entry : entries) {
            paths.add(entry.toAbsolutePath().toString());
        }
        return String.join(File.pathSeparator, paths);
    }
}
