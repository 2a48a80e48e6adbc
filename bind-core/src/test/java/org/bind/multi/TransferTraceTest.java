package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bind.Bind;
import org.bind.IntArray;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A version sent from one rank to another shows in both ranks' traces as a transfer: an async slice
 * ({@code "ph":"b"} then {@code "e"}, same id) named after the object and the other rank, with its size.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransferTraceTest {
    private static final long JOB_TIMEOUT_S = 20;
    private static final int INTS = 3 << 20; // 12 MiB: several chunks
    private static final Pattern ASYNC = Pattern.compile(
        "\\{\"ph\":\"([be])\",\"cat\":\"transfer\",\"id\":(\\d+),\"name\":\"([^\"]*)\",\"pid\":\\d+,\"tid\":\\d+,"
            + "\"ts\":([0-9.]+)(?:,\"args\":\\{\"size\":\"(\\d+) bytes\"\\})?\\}");

    /** A transfer slice as the file has it: name, size, start and end in microseconds. */
    record Slice(String name, long bytes, double start, double end) {
    }

    static List<Slice> transfers(Path file) throws Exception {
        Map<String, Slice> open = new HashMap<>();
        List<Slice> closed = new ArrayList<>();
        Matcher m = ASYNC.matcher(Files.readString(file));
        while (m.find()) {
            if (m.group(1).equals("b")) {
                open.put(m.group(2), new Slice(m.group(3), Long.parseLong(m.group(5)), Double.parseDouble(m.group(4)),
                    Double.NaN));
            } else {
                Slice begun = open.remove(m.group(2));
                assertTrue(begun != null, "an end without a begin, id " + m.group(2) + " in " + file);
                assertEquals(begun.name(), m.group(3));
                closed.add(new Slice(begun.name(), begun.bytes(), begun.start(), Double.parseDouble(m.group(4))));
            }
        }
        assertTrue(open.isEmpty(), "begins without an end: " + open.keySet() + " in " + file);
        return closed;
    }

    @Test
    void shouldTraceASendOnTheSenderAndAReceiveOnTheReceiver(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("job.json");
        String[] name = new String[1];
        InProcJob.run(2, () -> new Bind.Context().workers(1).trace(file), JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(INTS);
            IntArray b = IntArray.of(INTS);
            name[0] = a.name();
            bind.on(0, () -> IntOps.fill(a, 7));
            bind.on(1, () -> IntOps.copy(a, b)); // a travels from rank 0 to rank 1
            bind.sync();
        });
        List<Slice> sent = transfers(dir.resolve("job-rank0.json"));
        List<Slice> received = transfers(dir.resolve("job-rank1.json"));
        assertEquals(1, sent.size(), sent.toString());
        assertEquals(1, received.size(), received.toString());
        assertEquals("send " + name[0] + " to rank 1", sent.get(0).name());
        assertEquals("receive " + name[0] + " from rank 0", received.get(0).name());
        assertTrue(sent.get(0).bytes() >= 4L * INTS && sent.get(0).bytes() < 4L * INTS + 64, sent.toString());
        assertEquals(sent.get(0).bytes(), received.get(0).bytes());
        for (Slice s : List.of(sent.get(0), received.get(0))) {
            assertTrue(s.end() >= s.start(), s.toString());
        }
    }
}
