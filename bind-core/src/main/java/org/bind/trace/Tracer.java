package org.bind.trace;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records one slice per op run into per-thread buffers (no sharing on the hot path) and writes them as a
 * Chrome trace JSON file ({@code traceEvents}, complete events {@code "ph":"X"}) that Perfetto
 * (ui.perfetto.dev) and chrome://tracing open. One process per rank, one track per thread. Transfers, which
 * overlap one another on the threads that move them, are async slices ({@code "ph":"b"}/{@code "e"}, category
 * {@code transfer}): Perfetto draws each on a track of its own under the rank.
 *
 * <p>At most {@code maxEvents} slices are kept per rank; later ones are counted and dropped, and the file says
 * how many. {@link #record}: any thread. {@link #write}: once, after the workers stopped.
 */
public final class Tracer {
    private final Path file;
    private final int rank;
    private final long maxEvents;
    private final long originNs = System.nanoTime();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong asyncIds = new AtomicLong();
    private final List<Track> tracks = new ArrayList<>();
    private final ThreadLocal<Track> track = ThreadLocal.withInitial(this::newTrack);

    public Tracer(Path file, int rank, long maxEvents) {
        this.file = file;
        this.rank = rank;
        this.maxEvents = maxEvents;
    }

    /** Where the trace goes. */
    public Path file() {
        return file;
    }

    private Track newTrack() {
        Track t = new Track(Thread.currentThread().getName());
        synchronized (tracks) {
            tracks.add(t);
        }
        return t;
    }

    /** Adds a slice named {@code name} from {@code startNs} to {@code endNs} (System.nanoTime) on this thread's track. */
    public void record(String name, long startNs, long endNs) {
        record(name, null, startNs, endNs);
    }

    /**
     * Records a slice whose {@code args} name the objects it touched ({@code "A(3,4) rw, B in"}), or none when
     * {@code objects} is null. The calling thread's track.
     */
    public void record(String name, String objects, long startNs, long endNs) {
        if (events.incrementAndGet() > maxEvents) {
            dropped.incrementAndGet();
            return;
        }
        track.get().add(name, objects, startNs - originNs, endNs - startNs);
    }

    /**
     * Records a transfer (a version sent to or received from another rank) from {@code startNs} to {@code endNs} as
     * an async slice, with {@code detail} (its size) in its arguments. Any thread.
     */
    public void recordTransfer(String name, String detail, long startNs, long endNs) {
        if (events.incrementAndGet() > maxEvents) {
            dropped.incrementAndGet();
            return;
        }
        track.get().addAsync(name, detail, startNs - originNs, endNs - startNs, asyncIds.incrementAndGet());
    }

    /** Writes the file. Call after every recording thread has stopped. */
    public void write() {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                out.write("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"rank\":" + rank + ",\"dropped_events\":"
                    + dropped.get() + "},\"traceEvents\":[\n");
                out.write("{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":" + rank + ",\"args\":{\"name\":\"rank "
                    + rank + "\"}}");
                List<Track> all;
                synchronized (tracks) {
                    all = new ArrayList<>(tracks);
                }
                for (int tid = 0; tid < all.size(); tid++) {
                    all.get(tid).write(out, rank, tid);
                }
                out.write("\n]}\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write trace file " + file + ": " + e.getMessage(), e);
        }
    }

    /** One thread's slices. Written by its thread only, read after it stopped. */
    private static final class Track {
        private final String threadName;
        private String[] names = new String[256];
        private String[] objects = new String[256];
        private long[] starts = new long[256];
        private long[] durations = new long[256];
        /** The async id of a transfer's slice, 0 for a slice of this thread ({@code "ph":"X"}). */
        private long[] asyncIds = new long[256];
        private int size;

        Track(String threadName) {
            this.threadName = threadName;
        }

        void add(String name, String touched, long start, long duration) {
            addAsync(name, touched, start, duration, 0);
        }

        void addAsync(String name, String touched, long start, long duration, long asyncId) {
            if (size == names.length) {
                names = Arrays.copyOf(names, size * 2);
                objects = Arrays.copyOf(objects, size * 2);
                starts = Arrays.copyOf(starts, size * 2);
                durations = Arrays.copyOf(durations, size * 2);
                asyncIds = Arrays.copyOf(asyncIds, size * 2);
            }
            names[size] = name;
            objects[size] = touched;
            starts[size] = start;
            durations[size] = duration;
            asyncIds[size] = asyncId;
            size++;
        }

        void write(BufferedWriter out, int pid, int tid) throws IOException {
            out.write(",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":" + pid + ",\"tid\":" + tid
                + ",\"args\":{\"name\":\"" + escape(threadName) + "\"}}");
            for (int i = 0; i < size; i++) {
                if (asyncIds[i] != 0) {
                    String common = ",\"cat\":\"transfer\",\"id\":" + asyncIds[i] + ",\"name\":\"" + escape(names[i])
                        + "\",\"pid\":" + pid + ",\"tid\":" + tid;
                    out.write(",\n{\"ph\":\"b\"" + common + ",\"ts\":" + micros(starts[i])
                        + ",\"args\":{\"size\":\"" + escape(objects[i]) + "\"}}");
                    out.write(",\n{\"ph\":\"e\"" + common + ",\"ts\":" + micros(starts[i] + durations[i]) + "}");
                    continue;
                }
                out.write(",\n{\"ph\":\"X\",\"name\":\"" + escape(names[i]) + "\",\"pid\":" + pid + ",\"tid\":" + tid
                    + ",\"ts\":" + micros(starts[i]) + ",\"dur\":" + micros(durations[i])
                    + (objects[i] == null ? "" : ",\"args\":{\"objects\":\"" + escape(objects[i]) + "\"}") + "}");
            }
        }

        private static String micros(long ns) {
            return ns / 1000 + "." + String.format("%03d", ns % 1000);
        }

        private static String escape(String s) {
            StringBuilder b = new StringBuilder(s.length());
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') {
                    b.append('\\').append(c);
                } else if (c < 0x20) {
                    b.append(String.format("\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
            return b.toString();
        }
    }
}
