package org.bind.dag;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;

import org.bind.codec.Codec;
import org.bind.version.BufferType;
import org.bind.version.MemoryAccount;
import org.bind.version.ObjectOwner;
import org.bind.version.Version;
import org.bind.version.VersionChain;

/**
 * Orders the ops that run here on the same plain (not versioned) receiver object: an instance {@code @Op} of a
 * plain class reads and writes its receiver by reference, like a {@code @ByRef} argument that is also written,
 * so each such op must wait for the previous one on the same receiver. Each receiver gets an order chain, a
 * version chain without data: every op on it binds the latest order version as input and makes the next one,
 * exactly as for a read-write versioned argument, so the DAG orders them, a failure skips the later ones, and
 * nothing is ever transferred (each rank orders its own replica's ops).
 *
 * <p>Receivers are matched by identity and held weakly: a receiver the program drops releases its chain.
 *
 * <p>Program thread only.
 */
final class ReceiverOrder {
    /** The order chain's data: nothing. */
    private static final Object TOKEN = new Object();

    private static final BufferType<Object> ORDER = new BufferType<>() {
        @Override
        public Object allocate() {
            return TOKEN;
        }

        @Override
        public Object copy(Object source, Object target) {
            return TOKEN;
        }

        @Override
        public Object reset(Object buffer) {
            return TOKEN;
        }

        @Override
        public long bytes(Object buffer) {
            return 0;
        }

        @Override
        public Codec<Object> codec() {
            throw new IllegalStateException("a receiver's order is local to each rank and never sent");
        }
    };

    private final ReferenceQueue<Object> dropped = new ReferenceQueue<>();
    private final HashMap<Key, VersionChain> chains = new HashMap<>();
    private final MemoryAccount account;
    private long nextId = -1;

    ReceiverOrder(MemoryAccount account) {
        this.account = account;
    }

    /** The order chain of {@code receiver}, made on first use. */
    VersionChain chainOf(Object receiver, ObjectOwner owner) {
        expunge();
        Key probe = new Key(receiver, null);
        VersionChain chain = chains.get(probe);
        if (chain == null) {
            chain = new VersionChain(owner, nextId--, "receiver " + receiver.getClass().getSimpleName() + "@"
                + Integer.toHexString(System.identityHashCode(receiver)), ORDER);
            chains.put(new Key(receiver, dropped), chain);
        }
        return chain;
    }

    /** The output an op on this chain produces when it finishes (failed or not): the token. */
    static Object token() {
        return TOKEN;
    }

    /** Whether {@code version} belongs to a receiver's order chain. */
    static boolean isOrder(Version version) {
        return version.type() == ORDER;
    }

    private void expunge() {
        Object ref;
        while ((ref = dropped.poll()) != null) {
            VersionChain chain = chains.remove(ref);
            if (chain != null) {
                chain.release(account);
            }
        }
    }

    /** A receiver, held weakly and compared by identity. */
    private static final class Key extends WeakReference<Object> {
        private final int hash;

        Key(Object receiver, ReferenceQueue<Object> queue) {
            super(receiver, queue);
            this.hash = System.identityHashCode(receiver);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            if (this == other) {
                return true;
            }
            if (!(other instanceof Key key)) {
                return false;
            }
            Object mine = get();
            return mine != null && mine == key.get();
        }
    }
}
