package org.bind;

import org.bind.dag.RunningOps;
import org.bind.version.BufferType;
import org.bind.version.ObjectOwner;
import org.bind.version.Tracked;
import org.bind.version.VersionChain;

/**
 * Data whose versions the runtime tracks. Every write by an op makes a new version; ops that read a version
 * wait only for its producer. Inside an op, the object stands for the version bound to that op invocation.
 *
 * <p>Extend it to add a versioned type: pass a {@link BufferType} (how buffers are made, copied, measured and
 * encoded) and expose the buffer to ops through {@link #buffer()} / {@link #writableBuffer()}. Create objects in
 * the sequential program, after {@link Bind#init}, on its thread.
 */
public abstract class Versioned implements Tracked {
    private final VersionChain chain;

    protected Versioned(BufferType<?> type) {
        this.chain = Bind.engineForNewObject(getClass()).track(this, type);
    }

    /** The id of this object, the same on every rank of one program. */
    public final long id() {
        return chain.id();
    }

    /** The buffer bound to this object in the running op; {@link IllegalStateException} outside ops. */
    protected final Object buffer() {
        return RunningOps.boundBuffer(this, false);
    }

    /** Like {@link #buffer()}, and also checks that the running op may write this object. */
    protected final Object writableBuffer() {
        return RunningOps.boundBuffer(this, true);
    }

    /**
     * The buffer of the latest version, waiting for its producer; inside an op, the bound buffer. Null for a
     * first version nobody wrote. Do not modify it: copy.
     */
    protected final Object latestBuffer() {
        if (RunningOps.inOp()) {
            return buffer();
        }
        ObjectOwner owner = chain.owner();
        Bind.checkProgramThread(owner, chain.name());
        return owner.awaitLatest(chain);
    }

    /** Makes {@code buffer} the latest version now, outside ops (used by {@code Shared.set}). */
    protected final void replaceLatest(Object buffer) {
        ObjectOwner owner = chain.owner();
        Bind.checkProgramThread(owner, chain.name());
        owner.writeFromProgram(chain, buffer);
    }

    /**
     * Whether every rank keeps a copy of each version (true for {@link Shared}): a write by an op placed on one
     * rank is then sent to all others.
     */
    public boolean replicated() {
        return false;
    }

    /**
     * Gives the object a name for error messages and traces ({@code "A(3,4)"} instead of {@code DoubleArray#12});
     * returns this object. Subclasses narrow the return type. Program thread.
     */
    public Versioned named(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a name must not be empty");
        }
        chain.name(name);
        return this;
    }

    /** The object's name in messages: given by {@link #named}, else {@code Type#id}. */
    public final String name() {
        return chain.name();
    }

    /** The runtime's record of this object's versions. Internal. */
    public final VersionChain versionChain() {
        return chain;
    }

    /** The buffer type passed at construction. */
    protected final BufferType<Object> bufferType() {
        return chain.type();
    }

    @Override
    public String toString() {
        return chain.name();
    }
}
