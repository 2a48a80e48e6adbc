package org.bind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.bind.transport.Transport;
import org.junit.jupiter.api.Test;

/**
 * The chunk size the runtime sends versions in: the program's ({@code chunkBytes}), else the transport's preference
 * ({@link Transport#preferredChunkBytes}), else the default; a preference below the minimum is refused like a
 * setting, naming it. Only the configuration is built: no engine starts, nothing is sent.
 */
class PreferredChunkBytesTest {
    /** A transport that only states its rank, size and preferred chunk size. */
    private static Transport preferring(int chunkBytes) {
        return new Transport() {
            @Override
            public int rank() {
                return 0;
            }

            @Override
            public int size() {
                return 2;
            }

            @Override
            public int preferredChunkBytes() {
                return chunkBytes;
            }

            @Override
            public void start(Receiver receiver) {
                throw new AssertionError("not started in this test");
            }

            @Override
            public void send(int toRank, ByteBuffer frame) {
                throw new AssertionError("nothing is sent in this test");
            }

            @Override
            public void refuse(int peer) {
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void shouldTakeTheTransportsChunkSizeUnlessTheProgramSetsOne() {
        assertTrue(System.getProperty(Bind.Context.CHUNK_BYTES_PROP_NAME) == null,
            "this test needs " + Bind.Context.CHUNK_BYTES_PROP_NAME + " unset");
        assertEquals(8 << 20, new Bind.Context().transport(preferring(8 << 20)).conclude().chunkBytes());
        assertEquals(8 << 20, new Bind.Context().transport(preferring(8 << 20)).chunkBytes());
        assertEquals(4096, new Bind.Context().transport(preferring(8 << 20)).chunkBytes(4096).conclude().chunkBytes(),
            "the transport's preference gives way to the program's chunk size");
        assertEquals(Bind.Context.CHUNK_BYTES_DEFAULT,
            new Bind.Context().transport(preferring(0)).conclude().chunkBytes());
        assertEquals(Bind.Context.CHUNK_BYTES_DEFAULT, new Bind.Context().conclude().chunkBytes());
    }

    @Test
    void shouldRefuseAPreferenceBelowTheMinimumNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new Bind.Context().transport(preferring(10)).conclude());
        assertTrue(e.getMessage().contains("chunkBytes 10"), e.getMessage());
    }
}
