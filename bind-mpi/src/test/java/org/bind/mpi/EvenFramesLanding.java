package org.bind.mpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Consumer;

import org.bind.transport.Transport;

/**
 * The landing the transport tests' receivers give a frame: frames whose first int (little-endian) is even land
 * piece by piece into an array of the announced length, the others are refused and so come whole through
 * {@code onFrame}. Every piece is checked against the announced length; what goes wrong is added to {@code errors}.
 */
public final class EvenFramesLanding {
    private EvenFramesLanding() {
    }

    /** The landing for a frame starting with {@code start} of {@code length} bytes, or null when it should come whole. */
    public static Transport.Landing of(ByteBuffer start, int length, List<String> errors, Consumer<byte[]> landed) {
        if (start.remaining() < 4 || start.remaining() > length) {
            errors.add("a start of " + start.remaining() + " bytes for a frame of " + length);
            return null;
        }
        if (start.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt() % 2 != 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        return new Transport.Landing() {
            private int at;

            @Override
            public void put(ByteBuffer piece) {
                if (piece.remaining() > length - at) {
                    errors.add("a piece of " + piece.remaining() + " bytes past the frame's " + length);
                    return;
                }
                int n = piece.remaining();
                piece.get(bytes, at, n);
                at += n;
            }

            @Override
            public void onLanded() {
                if (at != length) {
                    errors.add("landed with " + at + " of " + length + " bytes");
                }
                landed.accept(bytes);
            }
        };
    }
}
