package org.bind.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.ByRef;
import org.bind.DoubleArray;
import org.bind.In;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.codec.Codec;
import org.bind.codec.CodecException;
import org.bind.codec.RangeDecoder;
import org.bind.linalg.kernel.TileBuffer;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Tiles received from another rank land in their native storage piece by piece ({@link TileType}'s range decoder):
 * the decoder itself against the tile it was fed, a tile whose reader is known before its bytes come (decoded in
 * place, never from a whole encoding on the heap, which the codec's path counters show), and products across in-JVM
 * ranks ({@link InProcJob}, a stack dump on timeout) with tiles cut into several chunks, against the triple loop.
 */
@Timeout(120)
class TileReceiveTest {
    /** Released by rank 1's program thread once it recorded its reader; awaited by rank 0's producing op. */
    private static volatile CountDownLatch readerRecorded;

    @Test
    void shouldDecodeATileFedInPiecesStraightIntoNativeStorage() {
        int side = 50;
        Codec<TileBuffer> codec = TileType.of(side).codec();
        double[] values = Matrices.random(side, 7);
        TileBuffer source = TileBuffer.of(values);
        ByteBuffer encoding = ByteBuffer.allocate(codec.encodedLength(source)).order(ByteOrder.LITTLE_ENDIAN);
        codec.encode(source, encoding, 0);
        long wholeBefore = TileType.TileCodec.wholeDecodes();
        Random random = new Random(11);
        RangeDecoder<TileBuffer> decoder = codec.rangeDecoder(encoding.capacity());
        assertNull(decoder.value(), "no tile before the first piece");
        int at = 0;
        while (at < encoding.capacity()) {
            int piece = Math.min(1 + random.nextInt(3000), encoding.capacity() - at); // cuts through doubles too
            ByteBuffer slice = encoding.slice(at, piece).order(ByteOrder.LITTLE_ENDIAN);
            decoder.accept(slice);
            assertEquals(0, slice.position(), "the position is left as it was");
            at += piece;
            assertEquals(at, decoder.decodedBytes());
            if (at < encoding.capacity()) {
                assertThrows(CodecException.class, decoder::finish, "bytes are missing");
            }
        }
        TileBuffer tile = decoder.finish();
        assertSame(tile, decoder.value());
        assertTrue(tile.isNative(), "received into native memory");
        assertArrayEquals(values, tile.toArray());
        assertEquals(wholeBefore, TileType.TileCodec.wholeDecodes(), "no whole encoding was decoded");
        assertThrows(CodecException.class, () -> decoder.accept(ByteBuffer.allocate(1)));
        assertThrows(CodecException.class, () -> codec.rangeDecoder(encoding.capacity() - 8));
        tile.free();
        source.free();
    }

    @Op
    static void produce(@Out Tile tile, @ByRef double[] values) {
        try {
            if (!readerRecorded.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("rank 1 did not record its reader within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        tile.data().put(values, values.length);
    }

    @Op
    static void readBack(@In Tile tile, @Out DoubleArray copy) {
        tile.data().get(copy.data(), copy.data().length);
    }

    @ParameterizedTest(name = "tile {0}, chunks of {1} bytes")
    @CsvSource({"100, 1048576", "128, 70000", "256, 65536"})
    void shouldDecodeATileWhoseReaderIsKnownInPlace(int side, int chunkBytes) {
        double[] values = Matrices.random(side, 5);
        readerRecorded = new CountDownLatch(1);
        long wholeBefore = TileType.TileCodec.wholeDecodes();
        long inPlaceBefore = TileType.TileCodec.inPlaceDecodes();
        Object[] received = new Object[1];
        InProcJob.run(2, () -> new Bind.Context().workers(2).chunkBytes(chunkBytes), Matrices.JOB_TIMEOUT_SECONDS,
            TimeUnit.SECONDS, bind -> {
                Tile tile = Tile.of(side);
                try (Scope s = bind.on(0)) {
                    produce(tile, bind.rank() == 0 ? values : new double[0]);
                }
                DoubleArray copy = DoubleArray.of(values.length);
                try (Scope s = bind.on(1)) {
                    readBack(tile, copy);
                }
                if (bind.rank() == 1) {
                    readerRecorded.countDown(); // the reader is recorded: the tile's bytes can only come after
                    received[0] = copy.toArray(); // waits for the reader
                }
                bind.sync();
            });
        assertArrayEquals(values, (double[]) received[0]);
        assertEquals(wholeBefore, TileType.TileCodec.wholeDecodes(), "a whole encoding of the tile was decoded");
        assertEquals(inPlaceBefore + 1, TileType.TileCodec.inPlaceDecodes(), "tiles decoded in place");
    }

    @ParameterizedTest(name = "{0}: n={1}, tile={2}, {3} ranks, chunks of {4} bytes")
    @CsvSource({"GEMM, 256, 128, 2, 70000", "GEMM, 300, 100, 3, 1048576", "STRASSEN, 256, 128, 2, 66000",
        "STRASSEN, 256, 64, 4, 1048576"})
    void shouldMultiplyAcrossRanksWithTilesReceivedInPieces(ProductTest.Algorithm algorithm, int n, int tile,
                                                            int ranks, int chunkBytes) {
        double[] a = Matrices.random(n, 1);
        double[] b = Matrices.random(n, 2);
        double[] expected = Matrices.multiply(a, b, n);
        long decodesBefore = TileType.TileCodec.wholeDecodes() + TileType.TileCodec.inPlaceDecodes();
        Object[] results = new Object[ranks];
        InProcJob.run(ranks, () -> new Bind.Context().workers(2).chunkBytes(chunkBytes), Matrices.JOB_TIMEOUT_SECONDS,
            TimeUnit.SECONDS, bind -> {
                TiledMatrix c = algorithm.multiply.apply(TiledMatrix.of(a, n, tile), TiledMatrix.of(b, n, tile));
                double[] product = c.gather();
                synchronized (results) {
                    results[bind.rank()] = product;
                }
            });
        for (int r = 0; r < ranks; r++) {
            double error = Matrices.relativeError((double[]) results[r], expected);
            assertTrue(error < 1e-12, "rank " + r + ": relative error " + error);
        }
        long decodes = TileType.TileCodec.wholeDecodes() + TileType.TileCodec.inPlaceDecodes() - decodesBefore;
        assertTrue(decodes > 0, "no tile travelled between the ranks");
    }
}
