package org.bind.mapreduce;

import java.util.ArrayList;
import java.util.function.BinaryOperator;

/**
 * The emitter of a step without primitive folding: each pair is checked ({@link PairOps#checkEmitted}), its value
 * captured by value ({@link Kind#copy}), and listed under its key's group (or folded into the group's one value when
 * the step has a combiner), groups in order of first emission.
 *
 * <p><b>Own keys.</b> A reducer mostly emits the very key it is called with. While every key emitted so far was the
 * key of its own call (the same object), and the keys of the calls are distinct and immutable, no lookup is needed:
 * a key's group is the last one made, or new; its hash is the one the caller already knows. The first other key
 * indexes the groups made so far ({@link Group.Groups}) and every later pair is looked up. The groups are the same
 * either way.
 *
 * <p>Single thread: one op owns it.
 */
final class ListingEmitter implements Emitter<Object, Object> {
    private final PairOps.Step step;
    private final Group.Groups out;
    private final BinaryOperator<Object> combiner;
    private final Kind values;
    private boolean ownKeysOnly;
    private Object current; // the key fn is called with (for messages and the own-key path)
    private long currentHash;
    private ArrayList<Object> currentValues; // the group of the current key, once emitted in this call

    /**
     * An emitter for {@code step}, whose calls get distinct keys of kind {@code calledKeys}: the own-key path is
     * taken when that is the step's own key kind and its keys are immutable values.
     */
    ListingEmitter(PairOps.Step step, Kind calledKeys) {
        this.step = step;
        this.out = new Group.Groups(step.types().keys());
        this.combiner = step.combiner();
        this.values = step.types().values();
        Kind keys = step.types().keys();
        this.ownKeysOnly = calledKeys == keys && keys.valueEquality() && !(keys instanceof UntypedKind);
    }

    /** Before each call: the key the function is called with and its 64-bit {@link Kind#hash}. */
    void calledWith(Object key, long hash) {
        current = key;
        currentHash = hash;
        currentValues = null;
    }

    @Override
    public void emit(Object key, Object value) {
        PairOps.checkEmitted(step, current, key, value);
        // captured by value at the call, as op arguments are: the mapper may reuse its arrays and records
        Object captured = values.copy(value);
        ArrayList<Object> list;
        if (ownKeysOnly && key == current) {
            if (currentValues == null) {
                currentValues = out.appendNew(key, currentHash);
            }
            list = currentValues;
        } else {
            ownKeysOnly = false;
            list = out.valuesOf(key, true);
        }
        if (combiner == null || list.isEmpty()) {
            list.add(captured);
        } else {
            list.set(0, combiner.apply(list.get(0), captured));
        }
    }

    /** What was emitted, grouped by key in order of first emission. */
    Group.Groups groups() {
        return out;
    }
}
