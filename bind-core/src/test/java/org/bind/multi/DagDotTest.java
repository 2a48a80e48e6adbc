package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bind.Bind;
import org.bind.Dag;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bind.dag().toDot(path)}: the graph of the epoch, checked against the edges the program's data flow implies
 * (written out by hand below), its clusters against the scopes, on one rank and on every rank of two.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DagDotTest {
    private static final long JOB_TIMEOUT_S = 20;
    private static final Pattern NODE = Pattern.compile("^\\s*(op\\d+|in\\d+) \\[.*label=\"([^\"]*)\"\\];$");
    private static final Pattern EDGE = Pattern.compile("^\\s*(op\\d+|in\\d+) -> (op\\d+) \\[label=\"([^\"]*)\"\\];$");
    private static final Pattern CLUSTER = Pattern.compile("^\\s*label=\"(rank \\d+|every rank)\";$");

    static final class DagOps {
        @Op
        static void add(@In IntArray a, @In IntArray b, @Out IntArray sum) {
            for (int i = 0; i < sum.data().length; i++) {
                sum.data()[i] = a.data()[i] + b.data()[i];
            }
        }

        @Op
        static void twice(IntArray a) {
            for (int i = 0; i < a.data().length; i++) {
                a.data()[i] *= 2;
            }
        }

    }

    /** A plain (not versioned) receiver: its ops run in program order. */
    static final class Log {
        private final StringBuilder text = new StringBuilder();

        @Op
        void note(@In IntArray a) {
            text.append(a.data()[0]).append(' ');
        }
    }

    /** What a DOT text says: node labels by id, edges as "from -> to : label" with node labels, clusters' ops. */
    record Graph(Map<String, String> labels, Set<String> edges, Map<String, Set<String>> clusters) {
        static Graph parse(String dot) {
            Map<String, String> labels = new TreeMap<>();
            Set<String> rawEdges = new TreeSet<>();
            Map<String, Set<String>> clusters = new TreeMap<>();
            String cluster = null;
            for (String line : dot.split("\n")) {
                Matcher c = CLUSTER.matcher(line);
                if (c.matches()) {
                    cluster = c.group(1);
                    clusters.put(cluster, new TreeSet<>());
                    continue;
                }
                if (line.trim().equals("}")) {
                    cluster = null;
                    continue;
                }
                Matcher n = NODE.matcher(line);
                if (n.matches()) {
                    labels.put(n.group(1), n.group(2));
                    if (cluster != null) {
                        clusters.get(cluster).add(n.group(2));
                    }
                    continue;
                }
                Matcher e = EDGE.matcher(line);
                if (e.matches()) {
                    rawEdges.add(e.group(1) + " " + e.group(2) + " " + e.group(3));
                }
            }
            Set<String> edges = new TreeSet<>();
            for (String raw : rawEdges) {
                String[] p = raw.split(" ", 3);
                edges.add(labels.get(p[0]) + " -> " + labels.get(p[1]) + " : " + p[2]);
            }
            return new Graph(labels, edges, clusters);
        }
    }

    @Test
    void shouldDrawTheEpochsDataFlowOnOneRank(@TempDir Path dir) throws Exception {
        String[] dot = new String[2];
        int[] ops = new int[2];
        String[] names = new String[4];
        InProcJob.run(1, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(4);
            IntArray b = IntArray.of(4);
            IntArray c = IntArray.of(4);
            IntArray old = IntArray.of(4);
            names[0] = a.name();
            names[1] = b.name();
            names[2] = c.name();
            names[3] = old.name();
            Log log = new Log();
            Dag dag = bind.dag();
            IntOps.fill(a, 1);              // #0 writes a: no edge
            IntOps.fill(b, 2);              // #1
            DagOps.add(a, b, c);            // #2 reads a (#0), b (#1)
            DagOps.twice(c);                // #3 reads c (#2), writes it
            DagOps.twice(old);              // #4 reads a version from before the recording
            log.note(c);                    // #5 reads c (#3); the receiver's first op
            log.note(a);                    // #6 reads a (#0); after #5 on the same receiver
            IntOps.fill(a, 5);              // #7 a new version of a: waits for nothing
            ops[0] = dag.ops();
            dag.toDot(dir.resolve("epoch.dot"));
            dot[0] = Files.readString(dir.resolve("epoch.dot"));
            bind.sync();
            ops[1] = dag.ops();
            dot[1] = dag.toDot();
        });
        assertEquals(8, ops[0]);
        Graph graph = Graph.parse(dot[0]);
        String a = names[0];
        String b = names[1];
        String c = names[2];
        String log = graph.labels().values().stream().filter(l -> l.startsWith("Log@")).findFirst()
            .map(l -> l.substring(0, l.length() - " (before)".length())).orElse("Log@?");
        Set<String> expected = new TreeSet<>(Set.of(
            "#0 IntOps.fill -> #2 DagOps.add : " + a,
            "#1 IntOps.fill -> #2 DagOps.add : " + b,
            "#2 DagOps.add -> #3 DagOps.twice : " + c,
            names[3] + " (before) -> #4 DagOps.twice : " + names[3],
            "#3 DagOps.twice -> #5 Log.note : " + c,
            log + " (before) -> #5 Log.note : " + log,
            "#0 IntOps.fill -> #6 Log.note : " + a,
            "#5 Log.note -> #6 Log.note : " + log));
        assertEquals(expected, graph.edges(), dot[0]);
        assertEquals(Set.of("every rank"), graph.clusters().keySet(), dot[0]);
        assertEquals(8, graph.clusters().get("every rank").size(), dot[0]);
        assertTrue(dot[0].startsWith("digraph bind_epoch_"), dot[0]);
        assertEquals(0, ops[1], "a sync starts a new epoch");
        assertEquals(Set.of(), Graph.parse(dot[1]).edges(), dot[1]);
        assertTrue(dot[1].contains(": 0 ops"), dot[1]);
    }

    @Test
    void shouldClusterOpsByTheRankTheyRunOnAndDrawTheSameGraphOnEveryRank() {
        Map<Integer, String> dots = new ConcurrentHashMap<>();
        InProcJob.run(2, () -> new Bind.Context().recordDag(true), JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(4);
            IntArray b = IntArray.of(4);
            bind.on(0, () -> IntOps.fill(a, 3));   // #0 on rank 0
            bind.on(1, () -> IntOps.copy(a, b));   // #1 on rank 1, reads a from rank 0
            DagOps.twice(b);                        // #2 on every rank
            dots.put(bind.rank(), bind.dag().toDot());
            bind.sync();
        });
        for (int rank = 0; rank < 2; rank++) {
            Graph graph = Graph.parse(dots.get(rank));
            assertEquals(Set.of("#0 IntOps.fill"), graph.clusters().get("rank 0"), dots.get(rank));
            assertEquals(Set.of("#1 IntOps.copy"), graph.clusters().get("rank 1"), dots.get(rank));
            assertEquals(Set.of("#2 DagOps.twice"), graph.clusters().get("every rank"), dots.get(rank));
            assertEquals(2, graph.edges().size(), dots.get(rank));
            assertTrue(dots.get(rank).contains("as rank " + rank + " of 2 recorded it: 3 ops"), dots.get(rank));
        }
        assertEquals(Graph.parse(dots.get(0)).edges(), Graph.parse(dots.get(1)).edges());
    }
}
