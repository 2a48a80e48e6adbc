package org.bind;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.bind.dag.DagRecorder;

/**
 * The DAG of the current epoch as one rank recorded it ({@link Bind#dag()}): ops are nodes, grouped in one cluster
 * per rank they run on (and one for ops that run on every rank); an edge goes from the op that wrote a version to
 * each op that reads it, labelled with the object. Program thread.
 *
 * <pre>{@code
 * Dag dag = bind.dag();                 // records from here on
 * ...                                   // op calls
 * dag.toDot(Path.of("epoch.dot"));      // then: dot -Tsvg epoch.dot -o epoch.svg
 * bind.sync();                          // a new epoch: the graph starts empty again
 * }</pre>
 */
public final class Dag {
    private final Bind bind;
    private final DagRecorder recorder;

    Dag(Bind bind, DagRecorder recorder) {
        this.bind = bind;
        this.recorder = recorder;
    }

    /** Ops of the current epoch recorded so far. */
    public int ops() {
        bind.checkProgramThread("dag().ops()");
        return recorder.ops();
    }

    /**
     * Writes the graph in Graphviz's DOT language to {@code file} (replacing it).
     *
     * @throws UncheckedIOException when the file cannot be written, naming it
     */
    public void toDot(Path file) {
        bind.checkProgramThread("dag().toDot");
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            recorder.writeDot(out, bind.rank(), bind.size());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the DAG to " + file + ": " + e.getMessage(), e);
        }
    }

    /** The graph in Graphviz's DOT language. */
    public String toDot() {
        bind.checkProgramThread("dag().toDot");
        StringWriter out = new StringWriter();
        try {
            recorder.writeDot(out, bind.rank(), bind.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }
}
