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
 * {@link #DATA} (whole) or as {@link #DATA_FIRST} + {@link #DATA_MORE}... pieces when larger than the publication's
 * largest message. Integers are little-endian.
 *
 * <pre>
 * HELLO  type, short protocol, short runtime frame protocol, long job, int rank, int size, 16-byte nonce,
 *        short build id length, build id (UTF-8)
 * AUTH   type, long job, int rank, 32-byte HMAC-SHA256(secret, "bind-aeron-auth" | receiver's nonce | job
 *        | sender rank | receiver rank | sender's Aeron session id)
 * ACCEPT, HEARTBEAT, BYE, BYE_ACK: type only.   REJECT: type, reason (UTF-8).
 * DATA   type, frame.   DATA_FIRST: type, int total frame length, first bytes.   DATA_MORE: type, next bytes.
 * </pre>
 *
 * <p>Not thread safe: one instance per thread (the MAC is reused).
 */
final class Wire {
    static final byte HELLO = 1;
    static final byte AUTH = 2;
    static final byte ACCEPT = 3;
    static final byte REJECT = 4;
    static final byte HEARTBEAT = 5;
    static final byte BYE = 6;
    static final byte BYE_ACK = 7;
    static final byte DATA = 8;
    static final byte DATA_FIRST = 9;
    static final byte DATA_MORE = 10;

    static final int NONCE_BYTES = 16;
    static final int MAC_BYTES = 32;
    static final int AUTH_BYTES = 1 + 8 + 4 + MAC_BYTES;
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
        out.putBytes(13, proof(receiverNonce, jobId, fromRank, toRank, senderSessionId));
        return AUTH_BYTES;
    }

    /** The rank an AUTH proves, or -1 when its proof does not match this rank's nonce and the secret. */
    int verifyAuth(DirectBuffer in, int offset, int length, long jobId, int myRank, byte[] myNonce, int sessionId) {
        if (length != AUTH_BYTES || in.getLong(offset + 1, ORDER) != jobId) {
            return -1;
        }
        int fromRank = in.getInt(offset + 9, ORDER);
        byte[] given = new byte[MAC_BYTES];
        in.getBytes(offset + 13, given);
        byte[] expected = proof(myNonce, jobId, fromRank, myRank, sessionId);
        return MessageDigest.isEqual(given, expected) ? fromRank : -1;
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

    static int encodeReject(MutableDirectBuffer out, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(text.length, 400);
        out.putByte(0, REJECT);
        out.putBytes(1, text, 0, length);
        return 1 + length;
    }

    static String decodeReject(DirectBuffer in, int offset, int length) {
        byte[] text = new byte[Math.min(length - 1, 400)];
        in.getBytes(offset + 1, text);
        return new String(text, StandardCharsets.UTF_8);
    }
}
