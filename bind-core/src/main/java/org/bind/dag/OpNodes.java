package org.bind.dag;

/**
 * Op nodes for the program thread, recycled: the node submitted {@link #RECENT} submissions ago is filled again for
 * the next op when it is done, else a new node is made. The argument arrays the reused node held go to the next
 * call ({@link #referenceArray}), under the same proof. Nothing is shared with the workers but the node's own
 * completion state, so this needs no lock-free structure of its own.
 *
 * <p><b>Why a done node is unreachable as its former op.</b> A node is {@link OpNode#isDone() done} once the
 * ForkJoin machinery has returned from its {@code exec()}, whose last step, {@code finish}, completed its outputs,
 * released its inputs, cleared its arrays and left the window. The places that held it: (1) each version it waited
 * for kept it in a waiter list, which that version swapped for its done sentinel before calling
 * {@code onVersionDone}; the node became runnable only when the last of those calls had decremented its pending
 * count, and none of them touches the node after its decrement; (2) the scheduler's queues: a worker deque slot
 * and the inbox's link are cleared when the task is taken, a ranked set removes it by {@code pollFirst}, and the
 * {@code SubmissionRing} keeps a stale reference in a slot that no consumer reads again (a consumer claims an
 * index by a CAS on {@code head}, never by the slot's content, so a node that reappears in the ring a lap later is
 * read only for its new index); (3) the worker that ran it: the running-op thread local is restored before
 * {@code finish}, and after {@code exec()} the pool only sets the done state (then {@code invoke()} reads nothing of
 * the task but its raw result, always null here); (4) the failure ledger keeps the op's name and sequence, not the
 * node. Nothing joins a node. So after {@code isDone()}, which reads the state the pool wrote last (a volatile
 * read: the worker's writes happen before it), only this class refers to the node, and
 * {@link java.util.concurrent.ForkJoinTask#reinitialize()} may reset it: the ForkJoinTask contract allows that
 * for a task that completed and has no outstanding join.
 *
 * <p>Program thread only.
 */
final class OpNodes {
    /** How many submissions back a node is looked at for reuse; memory kept: that many nodes and their arrays. */
    static final int RECENT = 1 << 12;

    private final OpHost host;
    private final OpNode[] recent = new OpNode[RECENT];
    private int cursor;
    private long recycled;
    /** The argument arrays of the last node reused, for the next call's arguments; null once handed out. */
    private Object[] spareReferences;
    private long[] sparePrimitives;

    OpNodes(OpHost host) {
        this.host = host;
    }

    /**
     * A node to fill ({@link OpNode#prepare}): the one submitted {@link #RECENT} submissions ago when it is done,
     * else a new one. Hand it back with {@link #submitted} once it is published; a node whose submission failed is
     * simply dropped.
     */
    OpNode take() {
        OpNode old = recent[cursor];
        if (old != null && old.isDone()) {
            recent[cursor] = null; // not reused twice should this submission fail
            old.reinitialize();
            recycled++;
            Object[] references = old.argumentArray();
            long[] primitives = old.primitiveArray();
            spareReferences = references.length > 0 ? references : null; // length 0: the shared empty array
            sparePrimitives = primitives.length > 0 ? primitives : null;
            return old;
        }
        return new OpNode(host);
    }

    /** {@code node}, taken from {@link #take}, is published: it may be reused {@link #RECENT} submissions on. */
    void submitted(OpNode node) {
        recent[cursor] = node;
        cursor = (cursor + 1) & (RECENT - 1);
    }

    /**
     * An all-null array of {@code length} for a call's reference arguments: the one a reused node held, when of that
     * length (it went with that node's done call, and was cleared when the call finished), else a new one.
     */
    Object[] referenceArray(int length) {
        Object[] spare = spareReferences;
        if (spare != null && spare.length == length) {
            spareReferences = null;
            return spare;
        }
        return new Object[length];
    }

    /** Like {@link #referenceArray}, for primitive arguments (the caller overwrites what it reads). */
    long[] primitiveArray(int length) {
        long[] spare = sparePrimitives;
        if (spare != null && spare.length == length) {
            sparePrimitives = null;
            return spare;
        }
        return new long[length];
    }

    /** Nodes reused so far. */
    long recycled() {
        return recycled;
    }
}
