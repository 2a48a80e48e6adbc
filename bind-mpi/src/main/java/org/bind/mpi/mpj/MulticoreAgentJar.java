package org.bind.mpi.mpj;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.bind.BindException;

/**
 * Writes the small agent jar that MPJ's multicore device needs: {@code -javaagent:<this jar>} puts Bind's runtime
 * (bind-core, Byte Buddy) on the system class path through the jar's {@code Class-Path}, and installs bind-core's
 * agent.
 *
 * <p>Why: the multicore device runs every rank as a thread of one JVM and loads the program's classpath in a class
 * loader per rank (parent first). With bind-core only on that classpath, each rank would get its own copy of the
 * interception, and the JVM-wide class-file transformers of the copies would weave each other's classes (they
 * deadlock in class initialisation with three ranks). With bind-core in the parent, the ranks share one runtime,
 * as in-JVM ranks do, while MPJ ({@code mpi.*}), bind-mpi and the application stay per rank, so each rank keeps
 * its own {@code MPI.COMM_WORLD} and statics:
 *
 * <pre>{@code
 * java -jar $MPJ_HOME/lib/starter.jar -np 4 -dev multicore -javaagent:bind-multicore-agent.jar \
 *      -Dbind.transport=mpj -cp app.jar:bind-mpi.jar:bind-core.jar:byte-buddy.jar Main
 * }</pre>
 *
 * Processes (niodev) do not need it: there one JVM is one rank.
 */
public final class MulticoreAgentJar {
    /** bind-core's agent class. */
    public static final String AGENT_CLASS = "org.bind.intercept.BindAgent";

    private MulticoreAgentJar() {
    }

    /**
     * {@code MulticoreAgentJar OUT.jar [BIND_CORE BYTE_BUDDY BYTE_BUDDY_AGENT]}: writes the jar, prints its path.
     * Without the runtime entries it names those this class was loaded with (run it with the program's class path).
     */
    public static void main(String[] args) {
        if (args.length < 1 || args.length == 2 || args.length == 3) {
            System.err.println("usage: MulticoreAgentJar OUT.jar [BIND_CORE BYTE_BUDDY BYTE_BUDDY_AGENT]");
            System.exit(2);
        }
        List<Path> runtime = new java.util.ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            runtime.add(Path.of(args[i]));
        }
        if (runtime.isEmpty()) {
            for (Class<?> type : List.of(org.bind.Bind.class, net.bytebuddy.ByteBuddy.class,
                net.bytebuddy.agent.ByteBuddyAgent.class)) {
                runtime.add(codeSource(type));
            }
        }
        System.out.println(write(Path.of(args[0]), runtime).toAbsolutePath());
    }

    /** The jar or directory {@code type} was loaded from. */
    private static Path codeSource(Class<?> type) {
        java.security.CodeSource source = type.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            throw new BindException("cannot tell where " + type.getName() + " was loaded from: name the runtime jars");
        }
        try {
            return Path.of(source.getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new BindException("cannot read the location of " + type.getName() + ": " + source.getLocation(), e);
        }
    }

    /**
     * Writes {@code jar}: a manifest naming bind-core's agent and, as absolute {@code file:} URLs, the
     * {@code runtime} entries (bind-core's jar or classes directory, Byte Buddy, Byte Buddy's agent). Returns
     * {@code jar}.
     *
     * @throws BindException when an entry does not exist or the jar cannot be written
     */
    public static Path write(Path jar, List<Path> runtime) {
        StringBuilder classPath = new StringBuilder();
        for (Path entry : runtime) {
            if (!Files.exists(entry)) {
                throw new BindException("runtime classpath entry " + entry + " does not exist");
            }
            // toUri() ends directories with '/', which Class-Path needs to read them as directories
            classPath.append(classPath.length() == 0 ? "" : " ").append(entry.toAbsolutePath().toUri());
        }
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.put(Attributes.Name.CLASS_PATH, classPath.toString());
        main.putValue("Premain-Class", AGENT_CLASS);
        main.putValue("Agent-Class", AGENT_CLASS);
        main.putValue("Can-Retransform-Classes", "true");
        main.putValue("Can-Redefine-Classes", "true");
        try {
            Path parent = jar.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
                out.finish();
            }
            return jar;
        } catch (IOException e) {
            throw new BindException("cannot write the multicore agent jar " + jar + ": " + e.getMessage(), e);
        }
    }
}
