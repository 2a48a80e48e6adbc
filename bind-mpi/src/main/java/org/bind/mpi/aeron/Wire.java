package org.bind.mpi.aeron;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The transport's messages. Every Aeron message starts with a one-byte type; runtime frames travel as
 * {@link #DATA_FIRST} + {@link #DATA_MORE}... pieces (the first one may hold the whole frame); {@link #DATA}, a
 * whole frame without its length, is still read. Integers are little-endian.
 *
 * <pre>
 * HELLO  type, short protocol, short runtime frame protocol, long job, int rank, int size, 16-byte nonce,
 *        short build id length, build id (UTF-8)
 * AUTH   type, long job, int rank, the receiver's 16-byte nonce it answers, 32-byte HMAC-SHA256(secret,
 *        "bind-aeron-auth" | receiver's nonce | job | sender rank | receiver rank | sender's Aeron session id)
 * ACCEPT, HEARTBEAT, BYE, BYE_ACK: type only.   REJECT (4): no longer sent; dropped like an unknown type.
 * DATA   type, frame.   DATA_FIRST: type, int total frame length, first bytes.   DATA_MORE: type, next bytes.
 * MAC    type, 32-byte HMAC-SHA256 of the frame just sent ({@link FrameMac}); only when frames carry MACs.
 * </pre>
 *
 * <p>Not thread safe: one instance per thread (the MAC is reused).
 */
final class Wire {
    static final byte HELLO = 1;
    static final byte AUTH = 2;
    static final byte ACCEPT = 3;
    /** Reserved: protocol 1 sent it on an unauthenticated session, which let outsiders stop a job. */
    static final byte REJECT = 4;
    static final byte HEARTBEAT = 5;
    static final byte BYE = 6;
    static final byte BYE_ACK = 7;
    static final byte DATA = 8;
    static final byte DATA_FIRST = 9;
    static final byte DATA_MORE = 10;
    /** The tag of the frame just sent, when frames carry MACs ({@link FrameMac}). */
    static final byte MAC = 11;

    static final int NONCE_BYTES = 16;
    static final int MAC_BYTES = 32;
    static final int AUTH_BYTES = 1 + 8 + 4 + NONCE_BYTES + MAC_BYTES;
    /** {@link #verifyAuth}: not an AUTH of this job for a rank of the job. */
    static final int AUTH_MALFORMED = -1;
    /** {@link #verifyAuth}: an answer to another nonce than this rank's (a HELLO someone sent in its name). */
    static final int AUTH_OTHER_NONCE = -2;
    /** {@link #verifyAuth}: this rank's nonce, but the proof does not verify with the secret. */
    static final int AUTH_BAD_PROOF = -3;
    static final int MAX_HELLO_BYTES = 512;
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final byte[] NO_SECRET_KEY = "bind-aeron:no-secret".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AUTH_LABEL = "bind-aeron-auth".getBytes(StandardCharsets.US_ASCII);

    /** A decoded HELLO. */
    record Hello(short protocol, short frameProtocol, long jobId, int rank, int size, byte[] nonce, String buildId) {
    }

    private final Mac mac;

    Wire(byte[] secret) {
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.length == 0 ? NO_SECRET_KEY : secret, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    static int encodeHello(MutableDirectBuffer out, Hello hello) {
        byte[] build = hello.buildId().getBytes(StandardCharsets.UTF_8);
        out.putByte(0, HELLO);
        out.putShort(1, hello.protocol(), ORDER);
        out.putShort(3, hello.frameProtocol(), ORDER);
        out.putLong(5, hello.jobId(), ORDER);
        out.putInt(13, hello.rank(), ORDER);
        out.putInt(17, hello.size(), ORDER);
        out.putBytes(21, hello.nonce());
        out.putShort(21 + NONCE_BYTES, (short) build.length, ORDER);
        out.putBytes(23 + NONCE_BYTES, build);
        return 23 + NONCE_BYTES + build.length;
    }

    /** The HELLO at {@code offset}, or null when it is malformed. */
    static Hello decodeHello(DirectBuffer in, int offset, int length) {
        if (length < 23 + NONCE_BYTES || length > MAX_HELLO_BYTES) {
            return null;
        }
        int buildLength = in.getShort(offset + 21 + NONCE_BYTES, ORDER);
        if (buildLength < 0 || 23 + NONCE_BYTES + buildLength != length) {
            return null;
        }
        byte[] nonce = new byte[NONCE_BYTES];
        in.getBytes(offset + 21, nonce);
        byte[] build = new byte[buildLength];
        in.getBytes(offset + 23 + NONCE_BYTES, build);
        return new Hello(in.getShort(offset + 1, ORDER), in.getShort(offset + 3, ORDER), in.getLong(offset + 5, ORDER),
            in.getInt(offset + 13, ORDER), in.getInt(offset + 17, ORDER), nonce, new String(build, StandardCharsets.UTF_8));
    }

    int encodeAuth(MutableDirectBuffer out, long jobId, int fromRank, int toRank, byte[] receiverNonce,
                   int senderSessionId) {
        out.putByte(0, AUTH);
        out.putLong(1, jobId, ORDER);
        out.putInt(9, fromRank, ORDER);
        out.putBytes(13, receiverNonce);
        out.putBytes(13 + NONCE_BYTES, proof(receiverNonce, jobId, fromRank, toRank, senderSessionId));
        return AUTH_BYTES;
    }

    /**
     * The rank an AUTH of {@code sessionId} proves, or {@link #AUTH_MALFORMED}, {@link #AUTH_OTHER_NONCE} or
     * {@link #AUTH_BAD_PROOF}. The nonce is compared before any MAC is computed.
     */
    int verifyAuth(DirectBuffer in, int offset, int length, long jobId, int myRank, int size, byte[] myNonce,
                   int sessionId) {
        if (length != AUTH_BYTES || in.getLong(offset + 1, ORDER) != jobId) {
            return AUTH_MALFORMED;
        }
        int fromRank = in.getInt(offset + 9, ORDER);
        if (fromRank < 0 || fromRank >= size || fromRank == myRank) {
            return AUTH_MALFORMED;
        }
        byte[] answered = new byte[NONCE_BYTES];
        in.getBytes(offset + 13, answered);
        if (!MessageDigest.isEqual(answered, myNonce)) {
            return AUTH_OTHER_NONCE;
        }
        byte[] given = new byte[MAC_BYTES];
        in.getBytes(offset + 13 + NONCE_BYTES, given);
        byte[] expected = proof(myNonce, jobId, fromRank, myRank, sessionId);
        return MessageDigest.isEqual(given, expected) ? fromRank : AUTH_BAD_PROOF;
    }

    /** The rank an AUTH of the right length claims. */
    static int claimedRank(DirectBuffer in, int offset) {
        return in.getInt(offset + 9, ORDER);
    }

    private byte[] proof(byte[] receiverNonce, long jobId, int fromRank, int toRank, int senderSessionId) {
        UnsafeBuffer fields = new UnsafeBuffer(new byte[8 + 4 + 4 + 4]);
        fields.putLong(0, jobId, ORDER);
        fields.putInt(8, fromRank, ORDER);
        fields.putInt(12, toRank, ORDER);
        fields.putInt(16, senderSessionId, ORDER);
        mac.update(AUTH_LABEL);
        mac.update(receiverNonce);
        mac.update(fields.byteArray());
        return mac.doFinal();
    }
}
