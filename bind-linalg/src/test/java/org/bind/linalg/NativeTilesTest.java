package org.bind.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.bind.codec.Codec;
import org.bind.codec.CodecException;
import org.bind.linalg.kernel.TileBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tiles in native memory: the storage itself (freed once, unusable afterwards), the wire encoding (the storage's
 * little-endian bytes, whole or by ranges, back to equal tiles), and whole products and factorizations that leave
 * no native byte behind once the job is closed, on one rank and across ranks (the jobs run in {@link
 * org.bind.transport.inproc.InProcJob}, which prints every thread's stack when one times out).
 */
@Timeout(120)
class NativeTilesTest {
    @Test
    void shouldKeepTilesInNativeMemoryAndRefuseThemOnceFreed() {
        assertTrue(TileBuffer.isNativeAvailable(), "JavaCPP is a dependency of this module: it must load");
        long before = TileBuffer.nativeBytes();
        TileBuffer zeros = TileBuffer.zeros(1000);
        assertTrue(zeros.isNative());
        assertTrue(zeros.doubles().isDirect());
        assertEquals(before + 8000, TileBuffer.nativeBytes());
        for (int i = 0; i < 1000; i++) {
            assertEquals(0.0, zeros.get(i));
        }
        zeros.free();
        assertEquals(before, TileBuffer.nativeBytes());
        IllegalStateException used = assertThrows(IllegalStateException.class, () -> zeros.get(0));
        assertTrue(used.getMessage().contains("after it was freed"), used.getMessage());
        assertThrows(IllegalStateException.class, zeros::doubles);
        assertThrows(IllegalStateException.class, zeros::free);
    }

    @ParameterizedTest(name = "chunks of {0} bytes")
    @ValueSource(ints = {8, 100, 4096, 80_000})
    void shouldEncodeATileAsItsLittleEndianBytesWholeAndInRanges(int chunk) {
        TileType type = TileType.of(100);
        Codec<TileBuffer> codec = type.codec();
        double[] values = Matrices.random(100, 3);
        TileBuffer tile = TileBuffer.of(values);
        int total = codec.encodedLength(tile);
        assertEquals(80_000, total);
        ByteBuffer whole = ByteBuffer.allocate(total + 5);
        assertEquals(total, codec.encode(tile, whole, 5));
        for (int i = 0; i < values.length; i++) {
            assertEquals(values[i], whole.order(ByteOrder.LITTLE_ENDIAN).getDouble(5 + 8 * i));
        }
        ByteBuffer pieces = ByteBuffer.allocate(total);
        for (int from = 0; from < total; from += chunk) {
            ByteBuffer piece = ByteBuffer.allocate(Math.min(chunk, total - from));
            assertTrue(codec.encodeRange(tile, from, piece));
            assertEquals(0, piece.position(), "the position is left as it was");
            pieces.put(from, piece, 0, piece.limit());
        }
        assertEquals(whole.slice(5, total), pieces);
        ByteBuffer view = codec.encodedView(tile);
        assertEquals(whole.slice(5, total), view);
        assertTrue(view.isDirect() && view.isReadOnly(), "a read-only view of the native storage");
        TileBuffer decoded = codec.decode(whole, 5, total);
        assertArrayEquals(values, decoded.toArray());
        assertThrows(CodecException.class, () -> codec.decode(whole, 5, total - 8));
        assertThrows(CodecException.class, () -> codec.decode(whole, 6, total));
        assertThrows(IllegalArgumentException.class, () -> codec.encodeRange(tile, total - 4, ByteBuffer.allocate(8)));
        type.discard(tile);
        type.discard(decoded);
        type.discard(TileType.RELEASED); // the released sentinel is never freed
        assertTrue(tile.isFreed() && decoded.isFreed() && !TileType.RELEASED.isFreed());
    }

    @Test
    void shouldRefuseATileTooLargeForOneBuffer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TileType.of(16384));
        assertTrue(e.getMessage().contains("16384"), e.getMessage());
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3})
    void shouldFreeEveryTileOfProductsAndFactorizationsByTheEndOfTheJob(int ranks) {
        TileType.of(1); // the released sentinel is allocated once, before counting
        long before = TileBuffer.nativeBytes();
        int n = 70;
        double[] a = Matrices.random(n, 1);
        double[] b = Matrices.random(n, 2);
        double[] expected = Matrices.multiply(a, b, n);
        double[] spd = Matrices.spd(n, 3);
        Object[] results = Matrices.run(ranks, 2, bind -> {
            double[] strassen = Strassen.multiply(TiledMatrix.of(a, n, 16), TiledMatrix.of(b, n, 16)).gather();
            double[] gemm = Gemm.multiply(TiledMatrix.of(a, n, 20), TiledMatrix.of(b, n, 20)).gather();
            double[] factor = Cholesky.factor(TiledMatrix.of(spd, n, 16)).gather();
            return new double[][] {strassen, gemm, factor};
        });
        double[] cholesky = Matrices.cholesky(spd, n);
        for (Object result : results) {
            double[][] r = (double[][]) result;
            assertTrue(Matrices.relativeError(r[0], expected) < 1e-12, "strassen");
            assertTrue(Matrices.relativeError(r[1], expected) < 1e-12, "gemm");
            assertTrue(Matrices.relativeError(r[2], cholesky) < 1e-12, "cholesky");
        }
        assertEquals(before, TileBuffer.nativeBytes(), "native bytes of tiles left after the job closed");
    }
}
