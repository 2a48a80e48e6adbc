package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's recipes, run as printed: the commands are read from README.md itself (so a recipe that drifts from
 * what works fails here), run with {@code bash} in a directory of the user's own holding the first program as
 * {@code Main.java} and {@code BIND} set to the root of the repository, as the README says, and their output is
 * checked against the known results the README shows.
 *
 * <ul>
 *   <li>"A first program" and "Compiling your own program": the program compiled and run with {@code bin/bindrun}
 *   prints the README's line;</li>
 *   <li>"MPJ Express directly": the daemon block, then the job block (plain {@code mpjrun}: niodev with frames over
 *   MPJ, niodev with frames over Aeron, the multicore device), on a host of its own (a network namespace, so that
 *   the daemon's fixed port 40055 is private to the test); every rank of every run prints the line;</li>
 *   <li>"Several hosts": the daemon block on two hosts made of network namespaces, the job block on the first, with
 *   the placeholders {@code node1}, {@code node2} replaced by those hosts' names: it prints the diffusion sample's
 *   known lines.</li>
 * </ul>
 *
 * <p>The recipes run with {@code BIND_BUILD=never}, so that {@code bin/bindrun} uses the jars this build made
 * instead of building again under the running test. Between the daemon block and the job block the test waits
 * until the daemon listens (a person typing the next command does the same). Without root (network namespaces),
 * the MPJ recipes are skipped, with the reason.
 */
@Tag("cluster")
class ReadmeRecipesTest {
    private static final long RECIPE_TIMEOUT_S = 240;
    private static final int MPJ_DAEMON_PORT = 40_055;
    private static final Pattern NP = Pattern.compile("-np (\\d+)");

    @TempDir
    Path app;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldCompileAndRunTheFirstProgramAsPrinted() throws Exception {
        Readme readme = Readme.load();
        String output = compileAndRun(readme);
        List<String> lines = matching(output, firstProgramLine(readme));
        assertEquals(1, lines.size(), () -> "expected the first program's line once:\n" + output);
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void shouldRunTheFirstProgramUnderPlainMpjrunAsPrinted() throws Exception {
        Readme readme = Readme.load();
        compileAndRun(readme);
        List<String> blocks = readme.blocks("MPJ Express directly");
        assertEquals(2, blocks.size(), "the MPJ section's blocks: the daemon's, then the job's");
        String daemon = blocks.get(0);
        String job = blocks.get(1);
        assertTrue(daemon.contains("mpjdaemon") && job.contains("mpjrun"), "unexpected MPJ blocks:\n" + daemon + job);
        MpjHome.get();   // installs MPJ Express when needed, skips where it cannot be
        try (VirtualHosts host = virtualHosts(1)) {
            String script = daemon + "\n" + awaitDaemon() + "\n" + job + "\nkill %1\nwait\n";
            ChildJob.Result result = ChildJob.run(host.on(0, List.of("bash", "-c", script)), app, environment(),
                RECIPE_TIMEOUT_S);
            int expected = 0;
            for (String line : job.lines().filter(l -> l.startsWith("mpjrun ")).toList()) {
                Matcher np = NP.matcher(line);
                assertTrue(np.find(), "an mpjrun line without -np: " + line);
                expected += Integer.parseInt(np.group(1));
            }
            assertTrue(expected >= 6, "the MPJ section should show three runs of two ranks:\n" + job);
            List<String> lines = matching(result.output(), firstProgramLine(readme));
            int runs = expected;
            assertEquals(runs, lines.size(), () -> "expected the first program's line from each of the " + runs
                + " ranks of the MPJ recipes:\n" + result.output());
        }
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void shouldRunAJobOnSeveralHostsAsPrinted() throws Exception {
        Readme readme = Readme.load();
        List<String> blocks = readme.blocks("Several hosts");
        assertEquals(2, blocks.size(), "the section's blocks: the daemon's, then the job's");
        String daemon = blocks.get(0);
        String job = blocks.get(1);
        assertTrue(job.contains("node1") && job.contains("node2"), "the job block names node1 and node2:\n" + job);
        MpjHome.get();
        try (VirtualHosts hosts = virtualHosts(2)) {
            List<ChildJob.Running> daemons = new ArrayList<>();
            List<Process> none = List.of();
            try {
                for (int h = 0; h < 2; h++) {
                    Path dir = Files.createDirectories(app.resolve("host-" + h));
                    daemons.add(ChildJob.start(hosts.on(h, List.of("bash", "-c", daemon + "\nwait\n")), dir,
                        environment(), none));
                }
                for (int h = 0; h < 2; h++) {
                    awaitListening(hosts, h, daemons.get(h));
                }
                String onHosts = job.replace("node1", hosts.names().get(0)).replace("node2", hosts.names().get(1));
                ChildJob.Result result = ChildJob.run(hosts.on(0, List.of("bash", "-c", onHosts)), app, environment(),
                    RECIPE_TIMEOUT_S);
                ExampleRuns.assertKnownResult(result.status(), result.output(), ExampleRuns.expectedDiffusion(),
                    "hosts " + hosts.names() + ":\n" + result.output());
            } finally {
                for (ChildJob.Running running : daemons) {
                    running.stop();
                }
            }
        }
    }

    /** Writes the first program as Main.java, runs the compiling recipe; returns its output. */
    private String compileAndRun(Readme readme) throws IOException, InterruptedException {
        List<String> java = readme.blocks("A first program", "java");
        assertFalse(java.isEmpty(), "no java block in 'A first program'");
        Files.writeString(app.resolve("Main.java"), java.get(0), StandardCharsets.UTF_8);
        List<String> recipe = readme.blocks("Compiling your own program");
        assertFalse(recipe.isEmpty(), "no commands in 'Compiling your own program'");
        ChildJob.Result result = ChildJob.run(List.of("bash", "-e", "-c", recipe.get(0)), app, environment(),
            RECIPE_TIMEOUT_S);
        assertEquals(0, result.status(), () -> "the compiling recipe failed:\n" + recipe.get(0) + "\n" + result.output());
        return result.output();
    }

    /** The README's output line of the first program as a pattern: any number of workers. */
    private static Pattern firstProgramLine(Readme readme) {
        List<String> outputs = readme.blocks("A first program", "");
        assertFalse(outputs.isEmpty(), "no output block in 'A first program'");
        String line = outputs.get(0).strip();
        Matcher workers = Pattern.compile(" on \\d+ workers$").matcher(line);
        assertTrue(workers.find(), "the first program's output line has changed: " + line);
        return Pattern.compile("^" + Pattern.quote(line.substring(0, workers.start())) + " on \\d+ workers$");
    }

    private static List<String> matching(String output, Pattern line) {
        return output.lines().filter(l -> line.matcher(l).find()).toList();
    }

    private static Map<String, String> environment() {
        return Map.of("BIND", MpjHome.projectRoot().toString(), "BIND_BUILD", "never");
    }

    private static VirtualHosts virtualHosts(int count) throws IOException, InterruptedException {
        assumeTrue("root".equals(System.getProperty("user.name")), "the MPJ recipes run on hosts made of network"
            + " namespaces (their daemon's port 40055 is fixed), which needs root: skipping them");
        return VirtualHosts.create(count);
    }

    /** Shell glue: waits (up to 60 s) until something listens on the daemon's port on this host. */
    private static String awaitDaemon() {
        return "for i in $(seq 600); do ss -Hltn 'sport = :" + MPJ_DAEMON_PORT + "' | grep -q . && break; sleep 0.1;"
            + " done";
    }

    private static void awaitListening(VirtualHosts hosts, int h, ChildJob.Running daemon)
        throws IOException, InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (VirtualHosts.run(hosts.on(h, List.of("ss", "-Hltn", "sport = :" + MPJ_DAEMON_PORT))
            .toArray(String[]::new)).isBlank()) {
            assertTrue(System.nanoTime() < deadlineNs && daemon.alive(), "the MPJ daemon on " + hosts.names().get(h)
                + " did not listen:\n" + daemon.output());
            Thread.sleep(100);
        }
    }

    /** README.md's code blocks, by section. */
    private record Readme(List<String> lines) {
        static Readme load() throws IOException {
            return new Readme(Files.readAllLines(MpjHome.projectRoot().resolve("README.md"), StandardCharsets.UTF_8));
        }

        /** The shell blocks (no language) of section {@code heading}. */
        List<String> blocks(String heading) {
            return blocks(heading, "");
        }

        /** The blocks of section {@code heading} whose fence names {@code language} ("" for none). */
        List<String> blocks(String heading, String language) {
            List<String> blocks = new ArrayList<>();
            boolean inSection = false;
            StringBuilder block = null;
            String fenceLanguage = null;
            for (String line : lines) {
                if (block == null && line.startsWith("## ")) {
                    inSection = line.substring(3).strip().equals(heading);
                } else if (inSection && line.startsWith("```")) {
                    if (block == null) {
                        block = new StringBuilder();
                        fenceLanguage = line.substring(3).strip();
                    } else {
                        if (fenceLanguage.equals(language)) {
                            blocks.add(block.toString());
                        }
                        block = null;
                    }
                } else if (block != null) {
                    block.append(line).append('\n');
                }
            }
            assertTrue(lines.stream().anyMatch(l -> l.equals("## " + heading)), "README.md has no section " + heading);
            return blocks;
        }
    }
}
