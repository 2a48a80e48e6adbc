package org.bind.mpi.aeron;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.agrona.DirectBuffer;

/**
 * Integrity of runtime frames between two ranks ({@link AeronSettings#wireMac}): each frame is followed on the wire
 * by a {@link Wire#MAC} message carrying HMAC-SHA256 over the sender's rank, the receiver's rank, the frame's number
 * in that direction and the frame's bytes, with a key derived from the job's secret and id. Frames between a pair
 * are numbered from 0 by both ends without sending the number: an Aeron session delivers in order and without loss,
 * so the receiver knows which number the next frame must carry. A frame whose tag does not verify (any bit of its
 * header, payload or tag changed, or a frame replayed: its tag was made for an earlier number) is dropped and counted,
 * and the number it would have taken stays expected.
 *
 * <p>Not thread safe: one instance per direction and thread (the sender's under the peer's send lock, the receiver's
 * on the polling thread).
 */
final class FrameMac {
    static final int TAG_BYTES = 32;
    private static final byte[] KEY_LABEL = "bind-wire-mac".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_SECRET_KEY = "bind-aeron:no-secret".getBytes(StandardCharsets.US_ASCII);

    private final Mac mac;
    private final byte[] fields = new byte[16];
    private final ByteBuffer fieldView = ByteBuffer.wrap(fields).order(Wire.ORDER);
    private final int fromRank;
    private final int toRank;
    private long next;

    /** The MAC of frames from {@code fromRank} to {@code toRank} of job {@code jobId}. */
    FrameMac(byte[] secret, long jobId, int fromRank, int toRank) {
        this.fromRank = fromRank;
        this.toRank = toRank;
        try {
            Mac derive = Mac.getInstance("HmacSHA256");
            derive.init(new SecretKeySpec(secret.length == 0 ? NO_SECRET_KEY : secret, "HmacSHA256"));
            derive.update(KEY_LABEL);
            derive.update(ByteBuffer.allocate(8).order(Wire.ORDER).putLong(0, jobId).array());
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(derive.doFinal(), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Starts the tag of the next frame (its number: {@link #number}). */
    void begin() {
        mac.reset(); // a frame whose send failed half-way leaves nothing behind
        fieldView.putInt(0, fromRank).putInt(4, toRank).putLong(8, next);
        mac.update(fields);
    }

    /** Adds the bytes between {@code bytes}' position and limit (the position does not move). */
    void update(ByteBuffer bytes) {
        mac.update(bytes.duplicate());
    }

    /** Ends the frame's tag and numbers the next frame: the sender's side. */
    byte[] seal() {
        next++;
        return mac.doFinal();
    }

    /**
     * Whether {@code frame} carries {@code tag} as the next frame of this direction; when it does the next number is
     * expected from now on, else the same. The receiver's side.
     */
    boolean verify(byte[] frame, DirectBuffer tag, int tagIndex) {
        begin();
        mac.update(frame);
        byte[] expected = mac.doFinal();
        byte[] given = new byte[TAG_BYTES];
        tag.getBytes(tagIndex, given);
        if (!MessageDigest.isEqual(expected, given)) {
            return false;
        }
        next++;
        return true;
    }

    /** The number the next frame of this direction carries. */
    long number() {
        return next;
    }
}
