package org.bind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.bind.intercept.BindAgent;
import org.bind.testing.ChildJvm;
import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stack trace through {@code main} after {@code Bind.init} names the source file and the exact line, whether
 * the JVM was started with bind-core as its agent (what {@code bin/bindrun} does) or Bind attached itself.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(120)
class LineNumbersTest {
    @TempDir
    Path dir;

    @Test
    void shouldShowTheLineOfMainUnderTheBindAgent() throws Exception {
        assertTraceNamesTheLine(ChildJvm.run(ThrowAfterInitMain.class, bindAgentJar().toString(), List.of(), List.of(),
            Duration.ofSeconds(60)));
    }

    @Test
    void shouldShowTheLineOfMainAfterASelfAttach() throws Exception {
        assertTraceNamesTheLine(ChildJvm.run(ThrowAfterInitMain.class, null, List.of(), List.of(),
            Duration.ofSeconds(60)));
    }

    private static void assertTraceNamesTheLine(ChildJvm.Result result) throws IOException {
        assertFalse(result.timedOut(), result::describe);
        assertEquals(1, result.exitCode(), result::describe);
        String output = result.output();
        assertTrue(output.contains("java.lang.IllegalStateException: thrown after init"), result::describe);
        String frame = "at org.bind.ThrowAfterInitMain.main(ThrowAfterInitMain.java:" + markerLine() + ")";
        assertTrue(output.contains(frame), () -> "expected \"" + frame + "\"\n" + result.describe());
        assertFalse(output.contains("Unknown Source"), result::describe);
    }

    /** The line of {@link ThrowAfterInitMain} that throws, found by its marker comment. */
    private static int markerLine() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/test/java/org/bind/ThrowAfterInitMain.java"));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("throw new") && lines.get(i).contains("LINE-MARKER")) {
                return i + 1;
            }
        }
        throw new IllegalStateException("no marked line in ThrowAfterInitMain.java");
    }

    /** An agent jar naming {@link BindAgent} (a manifest only: the class itself is on the child's classpath). */
    private Path bindAgentJar() throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", BindAgent.class.getName());
        manifest.getMainAttributes().putValue("Can-Retransform-Classes", "true");
        manifest.getMainAttributes().putValue("Can-Redefine-Classes", "true");
        Path jar = dir.resolve("bind-agent.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out, manifest)) {
            return jar;
        }
    }
}
