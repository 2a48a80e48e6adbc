package org.bind.version;

/**
 * The history of one versioned object as the program thread sees it: its identity, buffer type and latest
 * version. It deliberately holds no reference to the object itself, so that an unreachable object can be
 * noticed and its latest version released.
 *
 * <p>Program thread only (the thread that submits ops).
 */
public final class VersionChain {
    private final ObjectOwner owner;
    private final long id;
    private String name;
    private final BufferType<Object> type;
    private Version latest;

    /**
     * @param owner the runtime the object belongs to (checked when the object is used)
     * @param id    the object's id, equal on every rank for the same program
     * @param name  the object's name in messages ({@code IntArray#3})
     * @param type  how its buffers are made
     */
    @SuppressWarnings("unchecked")
    public VersionChain(ObjectOwner owner, long id, String name, BufferType<?> type) {
        this.owner = owner;
        this.id = id;
        this.name = name;
        this.type = (BufferType<Object>) type;
        this.latest = new Version(this, 0, 1, true, null);
    }

    public ObjectOwner owner() {
        return owner;
    }

    public long id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** Renames the object in messages and traces ({@code Versioned.named}). Program thread. */
    public void name(String name) {
        this.name = name;
    }

    public BufferType<Object> type() {
        return type;
    }

    public Version latest() {
        return latest;
    }

    /**
     * Makes a new latest version to be produced by an op: held as latest and by its producer. The previous
     * latest loses its latest-hold; the caller must have added its own holds on it first.
     */
    public Version supersede(BufferPool pool, MemoryAccount account) {
        Version previous = latest;
        latest = new Version(this, previous.number() + 1, 2, false, null);
        previous.releaseHold(pool, account);
        return latest;
    }

    /**
     * Makes a new latest version to be produced by an op that also reads the previous one: the previous latest's
     * latest-hold passes to that op as its input hold (no count changes, where {@link #supersede} after the op's own
     * {@link Version#addHold} would add one and drop one).
     */
    public Version supersedeHandingOver() {
        latest = new Version(this, latest.number() + 1, 2, false, null);
        return latest;
    }

    /**
     * Makes a new latest version produced on another rank: held only as latest here, and done here only if this
     * rank receives it.
     */
    public Version supersedeRemote(BufferPool pool, MemoryAccount account) {
        Version previous = latest;
        latest = new Version(this, previous.number() + 1, 1, false, null);
        previous.releaseHold(pool, account);
        return latest;
    }

    /** Makes a new latest version whose value the program supplies now ({@code Shared.set} outside ops). */
    public Version supersedeWith(Object buffer, BufferPool pool, MemoryAccount account) {
        Version previous = latest;
        latest = new Version(this, previous.number() + 1, 1, true, buffer);
        account.addBytes(type.bytes(buffer));
        previous.releaseHold(pool, account);
        return latest;
    }

    /**
     * The object became unreachable, or the job closed: its latest version is held no more (its buffer is
     * discarded once nothing else holds it).
     */
    public void release(MemoryAccount account) {
        latest.releaseHold(null, account);
    }

    @Override
    public String toString() {
        return name;
    }
}
