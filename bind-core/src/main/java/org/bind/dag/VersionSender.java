package org.bind.dag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

import org.bind.codec.Codec;
import org.bind.codec.CodecException;
import org.bind.trace.Tracer;
import org.bind.transport.Frames;
import org.bind.transport.Messages;
import org.bind.transport.Transport;
import org.bind.version.BufferPool;
import org.bind.version.BufferType;
import org.bind.version.Failure;
import org.bind.version.Version;
import org.bind.version.VersionWaiter;

/**
 * The sending half of {@link Exchange}'s transfers: a version this rank holds goes to a child in chunks of at most
 * {@code chunkBytes} once it is done here, or as a {@code LOST} frame when its producer failed or it is too large
 * to send ({@code bind.max.version.bytes}), so that the child's readers are skipped instead of waiting.
 *
 * <p>Each send is a stream of chunks on its child's pump ({@link SendPumps}): round-robin with the versions of other
 * objects to that child, in parallel with the other children; versions of one object to one child go one after the
 * other, in version order ({@link SendOrder}). The last hold on a sent version is usually the sending
 * thread's: its buffer then goes to the rank's shared pool, for a received version or a worker's next copy
 * ({@link #releaseHold}).
 *
 * <p>{@link #sendWhenDone}: program thread. The sends themselves: the sending threads. {@link #sendLost}: any
 * thread.
 */
final class VersionSender {
    private final ExchangeHost engine;
    private final Transport transport;
    private final int rank;
    private final long jobId;
    private final int chunkBytes;
    private final long maxVersionBytes;
    private final AtomicLong versionsSent = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final SendPumps pumps;
    private final SendOrder<SendStream> order = new SendOrder<>();

    VersionSender(ExchangeHost engine, Transport transport, long jobId, int chunkBytes, long maxVersionBytes) {
        this.engine = engine;
        this.transport = transport;
        this.rank = transport.rank();
        this.jobId = jobId;
        this.chunkBytes = chunkBytes;
        this.maxVersionBytes = maxVersionBytes;
        this.pumps = new SendPumps(rank, transport.size());
    }

    /**
     * Sends {@code version} to {@code child} once it is done here, chunk by chunk on the child's pump
     * ({@link SendPumps}), after the sends of older versions of its object to that child ({@link SendOrder}); the
     * caller took a hold on the version and entered the in-flight count, both released when the send is over.
     */
    void sendWhenDone(Version version, int child, long epoch) {
        SendStream stream = new SendStream(version, child, epoch);
        if (order.admit(child, version.chain().id(), stream)) {
            start(stream);
        }
    }

    /** Queues {@code stream} on its child's pump once its version is done here. */
    private void start(SendStream stream) {
        if (!stream.version.addWaiter(stream)) {
            pumps.add(stream.child, stream);
        }
    }

    /**
     * Drops a hold a send or a relay had on {@code version}. When it is the last, the buffer goes to the calling
     * worker's pool, or, from a thread without one (a sending thread, the transport's), to the rank's shared pool,
     * where a received version or a worker's next copy or new version of its size finds it
     * ({@link ExchangeHost#sharedPool}): a version that dies once it is sent is not left to the garbage collector
     * while the next one is allocated afresh. Any thread.
     */
    static void releaseHold(Version version, ExchangeHost engine) {
        BufferPool own = BufferPool.ofCurrentThread();
        version.releaseHold(own != null ? own : engine.sharedPool(), engine);
    }

    /** {@code children} got a version of {@code bytes} bytes relayed by this rank. */
    void countRelayed(int children, long bytes) {
        versionsSent.addAndGet(children);
        bytesSent.addAndGet(children * bytes);
    }

    long versionsSent() {
        return versionsSent.get();
    }

    long bytesSent() {
        return bytesSent.get();
    }

    /** Whether no version is queued or being sent ({@link SendPumps#idle}). Any thread. */
    boolean idle() {
        return pumps.idle();
    }

    /** Ends the sending threads once what they send is sent. */
    void close() {
        pumps.close();
    }

    /**
     * One version to one child, a chunk per {@link #sendNext}. A codec that encodes ranges ({@link Codec#encodeRange})
     * writes each chunk where the transport asks ({@link Transport.Payload}: straight into Aeron's log buffer);
     * otherwise the whole value is encoded once and sent slice by slice. Its child's pump only, once the version is
     * done here.
     */
    private final class SendStream implements VersionWaiter, SendPumps.Stream {
        private final Version version;
        private final int child;
        private final long epoch;
        private Codec<Object> codec;
        /** The value sent: the version's buffer, or zeros made for this send (a first version never materialised). */
        private Object buffer;
        private boolean zeros;
        /** The whole encoding (the storage's own bytes, or encoded once), or null: encoded range by range. */
        private ByteBuffer encoded;
        private int total;
        private int chunks;
        private int next = -1;
        /** When the first chunk went ({@link System#nanoTime}), for the trace. */
        private long startNs;

        SendStream(Version version, int child, long epoch) {
            this.version = version;
            this.child = child;
            this.epoch = epoch;
        }

        @Override
        public void onVersionDone(Version done) {
            pumps.add(child, this);
        }

        @Override
        public boolean sendNext() {
            boolean over = true;
            try {
                if (next < 0 && version.isFailed()) {
                    sendLost(child, version, epoch, version.failure());
                } else {
                    if (next < 0) {
                        begin();
                    }
                    sendChunk(next++);
                    over = next >= chunks;
                    if (over) {
                        versionsSent.incrementAndGet();
                        bytesSent.addAndGet(total);
                        Tracer tracer = engine.tracer();
                        if (tracer != null) {
                            tracer.recordTransfer("send " + version.chain().name() + " to rank " + child,
                                total + " bytes", startNs, System.nanoTime());
                        }
                    }
                }
            } catch (Throwable t) {
                engine.onTransferFailed("sending " + version + " to rank " + child, t);
                over = true;
            }
            return over && end();
        }

        /** Releases what the send held and starts the next version's send to this child; true. Called once. */
        private boolean end() {
            if (zeros) {
                zeros = false;
                version.type().discard(buffer);
            }
            SendStream next = order.ended(child, version.chain().id());
            if (next != null) {
                start(next);
            }
            releaseHold(version, engine);
            engine.leaveInFlight();
            return true;
        }

        /** Sizes the encoding; a version too large to send goes as LOST (and throws, reported on every rank). */
        private void begin() {
            startNs = System.nanoTime();
            BufferType<Object> type = version.type();
            buffer = version.buffer();
            if (buffer == null) {
                buffer = type.allocate();
                zeros = true;
            }
            codec = type.codec();
            try {
                total = codec.encodedLength(buffer);
                if (total > maxVersionBytes) {
                    throw new CodecException(version.chain().name() + ": a version of " + total + " bytes exceeds "
                        + "bind.max.version.bytes=" + maxVersionBytes + " (set it with -Dbind.max.version.bytes=N on"
                        + " every rank, or split the object)");
                }
            } catch (CodecException tooLarge) {
                // nothing sent yet: the child fails its readers with this reason instead of waiting; the caller
                // reports it on every rank
                sendLost(child, version, epoch, new Failure("send of " + version.chain().name(), rank, epoch,
                    tooLarge));
                throw tooLarge;
            }
            chunks = Math.max(1, (int) ((total + (long) chunkBytes - 1) / chunkBytes));
            encoded = codec.encodedView(buffer); // the storage's own bytes: sent without a copy
            if (encoded == null && !codec.encodeRange(buffer, 0,
                ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN))) {
                encoded = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
                codec.encode(buffer, encoded, 0);
            }
            next = 0;
        }

        private void sendChunk(int c) {
            int from = c * chunkBytes;
            int length = Math.min(chunkBytes, total - from);
            ByteBuffer header = Frames.header(Frames.DATA, jobId, epoch, rank, version.chain().id(),
                version.number(), c, chunks, total, length);
            // the transport has taken the bytes when it returns
            if (encoded != null) {
                transport.send(child, header, encoded.slice(from, length));
            } else {
                transport.send(child, header, new RangePayload(codec, buffer, from, length));
            }
        }
    }

    /** Bytes {@code from} to {@code from + length} of a value's encoding, written by its codec on demand. */
    private record RangePayload(Codec<Object> codec, Object value, int from, int length) implements Transport.Payload {
        @Override
        public void writeTo(long at, ByteBuffer target) {
            codec.encodeRange(value, from + at, target);
        }
    }

    private void sendLost(int child, Version version, long epoch, Failure failure) {
        sendLost(child, version.chain().id(), version.number(), epoch, failure);
    }

    void sendLost(int child, long objectId, long versionNumber, long epoch, Failure failure) {
        ByteBuffer payload = Messages.encode(FailureLedger.toMessage(failure, -1));
        ByteBuffer frame = Frames.allocate(Frames.LOST, jobId, epoch, rank, objectId, versionNumber,
            0, 1, payload.remaining(), payload.remaining());
        frame.put(frame.position(), payload, 0, payload.remaining());
        frame.position(0);
        transport.send(child, frame);
    }
}
