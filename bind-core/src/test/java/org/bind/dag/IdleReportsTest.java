package org.bind.dag;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.bind.transport.MalformedFrameException;
import org.junit.jupiter.api.Test;

/** The {@code IDLE} payload: what is encoded decodes the same; wrong lengths and values are refused by name. */
class IdleReportsTest {
    @Test
    void shouldDecodeWhatItEncodes() {
        long[] counts = {0, 3, 5, 0, 7, 2};
        assertArrayEquals(counts, IdleReports.decode(1, IdleReports.encode(4, counts), 3));
    }

    @Test
    void shouldRefuseAPayloadOfAnotherJobSize() {
        ByteBuffer forTwo = IdleReports.encode(1, new long[4]);
        MalformedFrameException e = assertThrows(MalformedFrameException.class, () -> IdleReports.decode(2, forTwo, 3));
        assertTrue(e.getMessage().contains("IDLE from rank 2 has 40 bytes, expected 56"), e.getMessage());
    }

    @Test
    void shouldRefuseANegativeCountAndASequenceBelowOne() {
        ByteBuffer negative = IdleReports.encode(1, new long[] {0, -1, 0, 0});
        assertTrue(assertThrows(MalformedFrameException.class, () -> IdleReports.decode(0, negative, 2))
            .getMessage().contains("negative count -1"));
        ByteBuffer zero = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        assertTrue(assertThrows(MalformedFrameException.class, () -> IdleReports.decode(0, zero, 2))
            .getMessage().contains("sequence 0"));
    }
}
