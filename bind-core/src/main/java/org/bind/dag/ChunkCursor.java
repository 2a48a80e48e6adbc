package org.bind.dag;

import org.bind.transport.Frames;

/**
 * Where the chunks of an {@link IncomingTransfer} stand: the version's shape (its chunk count and encoded length, as
 * its first chunk announces them) and the chunks landed so far, every byte of them stored: what the next chunk must
 * follow. Chunks come in order (a version comes from one parent, and a transport keeps a source's frames in order).
 *
 * <p>Under its transfer's lock.
 */
final class ChunkCursor {
    private final String name;
    /** The first chunk's header: what forwarded chunks repeat (with this rank as their source); null before it. */
    private Frames.Header first;
    private int chunks;
    private int totalLength;
    /** Chunks whose bytes are all stored, and their bytes. */
    private int chunksLanded;
    private long bytesLanded;

    /** The cursor of the version {@code name} names (in messages). */
    ChunkCursor(String name) {
        this.name = name;
    }

    /** Why {@code header}'s chunk is not the next one of this version, or null when it is. */
    String misfit(Frames.Header header) {
        int expectedChunks = first == null ? header.chunks() : chunks;
        int expectedTotal = first == null ? header.totalLength() : totalLength;
        int length = header.payloadLength();
        if (header.chunks() == expectedChunks && header.chunk() == chunksLanded && header.totalLength() == expectedTotal
            && bytesLanded + length <= expectedTotal
            && (header.chunk() != expectedChunks - 1 || bytesLanded + length == expectedTotal)
            && (length > 0 || expectedTotal == 0)) {   // no sender makes an empty chunk of a non-empty version
            return null;
        }
        return "chunk " + header.chunk() + " of " + header.chunks() + " (" + length + " of " + header.totalLength()
            + " bytes) for " + name + " does not fit: expected chunk " + chunksLanded + " of " + expectedChunks + ", "
            + bytesLanded + " of " + expectedTotal + " bytes so far";
    }

    /** Takes the shape {@code header} announces while no first chunk is taken (later ones must agree). */
    void shape(Frames.Header header) {
        if (first == null) {
            chunks = header.chunks();
            totalLength = header.totalLength();
        }
    }

    /** Takes {@code header} as the first chunk's when none is; true when it is the first. */
    boolean begin(Frames.Header header) {
        if (first != null) {
            return false;
        }
        shape(header);
        first = header;
        return true;
    }

    /** Whether a first chunk of {@code firstLength} bytes lets the whole version be allocated at once. */
    boolean fullSized(int firstLength) {
        return firstLength >= Math.min(totalLength, IncomingTransfer.EAGER_CHUNK_BYTES)
            && (long) firstLength * chunks >= totalLength;
    }

    /** The next chunk, of {@code length} bytes, is all stored. */
    void landed(int length) {
        chunksLanded++;
        bytesLanded += length;
    }

    /** Whether the first chunk is taken. */
    boolean started() {
        return first != null;
    }

    /** The first chunk's header, or null. */
    Frames.Header first() {
        return first;
    }

    int chunks() {
        return chunks;
    }

    int totalLength() {
        return totalLength;
    }
}
