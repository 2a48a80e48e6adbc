package org.bind.dag;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

import org.bind.version.Tracked;

/**
 * The ops of the current epoch as this rank recorded them (every rank records every op, wherever it runs), with
 * the data each reads from another: written out as a Graphviz DOT graph, one cluster per rank. An edge goes from
 * the op that wrote a version to each op that reads it (a read-write op reads the version before its own); a
 * version written before the epoch (or a new object's first) is a small input node of its own. Ops on the same
 * plain (non-versioned) receiver are chained in program order, as they run. Writes alone make a new version and
 * wait for nothing, so they add no edge: the graph is the multi-version DAG, not program order.
 *
 * <p>Recording starts when asked ({@code Bind.dag()} or {@code bind.dag=true}) and keeps at most
 * {@value #MAX_OPS} ops of an epoch; a new epoch starts empty. Program thread only.
 */
public final class DagRecorder {
    static final int MAX_OPS = 100_000;

    private final LongSupplier epochs;
    private final int maxOps;
    private long epoch = -1;
    private long firstSequence;
    private long notRecorded;
    private final List<Node> nodes = new ArrayList<>();
    /** By object id (a {@code Long}) or plain receiver name (a {@code String}): no reference to the objects. */
    private final Map<Object, Integer> lastWriter = new HashMap<>();
    private final Map<Object, String> inputs = new HashMap<>();

    DagRecorder(LongSupplier epochs) {
        this(epochs, MAX_OPS);
    }

    DagRecorder(LongSupplier epochs, int maxOps) {
        this.epochs = epochs;
        this.maxOps = maxOps;
    }

    private record Node(long sequence, String method, int where, List<Edge> in) {
    }

    /** {@code from}: an op's index, or -1 for the input node {@code input}. */
    private record Edge(int from, String input, String label) {
    }

    /**
     * Records op {@code sequence} of this rank's program, placed on {@code where} ({@link Engine#COMMON}: every
     * rank), with its objects and their access modes, and its plain receiver (or null).
     */
    void record(long sequence, String method, int where, Tracked[] objects, Access[] access, int count,
                Object plainReceiver) {
        startEpochIfNew(sequence);
        if (nodes.size() >= maxOps) {
            notRecorded++;
            return;
        }
        int index = nodes.size();
        List<Edge> in = new ArrayList<>(count + 1);
        for (int i = 0; i < count; i++) {
            Tracked object = objects[i];
            Long key = object.id();
            if (access[i].reads()) {
                in.add(edgeFrom(key, object.name()));
            }
            if (access[i].writes()) {
                lastWriter.put(key, index);
            }
        }
        if (plainReceiver != null) {
            String name = plainReceiver.getClass().getSimpleName() + "@"
                + Integer.toHexString(System.identityHashCode(plainReceiver));
            in.add(edgeFrom(name, name));
            lastWriter.put(name, index);
        }
        nodes.add(new Node(sequence, method, where, in));
    }

    private Edge edgeFrom(Object key, String name) {
        Integer writer = lastWriter.get(key);
        if (writer != null) {
            return new Edge(writer, null, name);
        }
        String input = inputs.computeIfAbsent(key, k -> "in" + inputs.size());
        return new Edge(-1, input, name);
    }

    private void startEpochIfNew(long sequence) {
        long now = epochs.getAsLong();
        if (now != epoch) {
            epoch = now;
            firstSequence = sequence;
            notRecorded = 0;
            nodes.clear();
            lastWriter.clear();
            inputs.clear();
        }
    }

    /** Ops of the current epoch recorded so far (none when the epoch has changed since the last record). */
    public int ops() {
        return epoch == epochs.getAsLong() ? nodes.size() : 0;
    }

    /** Writes the current epoch's graph as DOT, as seen by {@code rank} of {@code size}. */
    public void writeDot(Writer out, int rank, int size) throws IOException {
        long now = epochs.getAsLong();
        boolean current = epoch == now;
        List<Node> ops = current ? nodes : List.of();
        out.write("digraph bind_epoch_" + now + " {\n");
        String title = "epoch " + now + " as rank " + rank + " of " + size + " recorded it: " + ops.size() + " ops"
            + (current && notRecorded > 0 ? " (" + notRecorded + " more not recorded: at most " + maxOps + ")" : "");
        out.write("  label=" + quote(title) + ";\n  labelloc=t;\n");
        out.write("  node [shape=box, fontname=\"monospace\", fontsize=10];\n");
        out.write("  edge [fontname=\"monospace\", fontsize=9];\n");
        Map<Integer, List<Integer>> byRank = new TreeMap<>();
        for (int i = 0; i < ops.size(); i++) {
            byRank.computeIfAbsent(ops.get(i).where(), w -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<Integer, List<Integer>> cluster : byRank.entrySet()) {
            int where = cluster.getKey();
            String name = where == Engine.COMMON ? "every" : "rank" + where;
            out.write("  subgraph cluster_" + name + " {\n");
            out.write("    label=" + quote(where == Engine.COMMON ? "every rank" : "rank " + where) + ";\n");
            for (int i : cluster.getValue()) {
                Node node = ops.get(i);
                out.write("    op" + i + " [label=" + quote("#" + (node.sequence() - firstSequence) + " "
                    + node.method()) + "];\n");
            }
            out.write("  }\n");
        }
        Map<String, String> inputLabels = new TreeMap<>();
        StringBuilder edges = new StringBuilder();
        for (int i = 0; i < ops.size(); i++) {
            for (Edge edge : ops.get(i).in()) {
                String from = edge.from() >= 0 ? "op" + edge.from() : edge.input();
                if (edge.from() < 0) {
                    inputLabels.put(edge.input(), edge.label());
                }
                edges.append("  ").append(from).append(" -> op").append(i).append(" [label=")
                    .append(quote(edge.label())).append("];\n");
            }
        }
        for (Map.Entry<String, String> input : inputLabels.entrySet()) {
            out.write("  " + input.getKey() + " [shape=ellipse, style=dashed, label="
                + quote(input.getValue() + " (before)") + "];\n");
        }
        out.write(edges.toString());
        out.write("}\n");
    }

    private static String quote(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\');
            }
            quoted.append(c == '\n' ? ' ' : c);
        }
        return quoted.append('"').toString();
    }
}
