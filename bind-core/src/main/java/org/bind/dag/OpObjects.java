package org.bind.dag;

import java.util.Arrays;

import org.bind.version.Tracked;

/**
 * The distinct versioned objects one op call touches, each with its combined access: the arguments, the
 * elements of array and {@code List} arguments, and a versioned receiver. An object named twice (two
 * parameters, or a parameter and the receiver) is one entry whose access combines both.
 *
 * <p>Program thread only; one instance reused for every submission, empty between submissions: a submission
 * moves its objects into its op node ({@link #moveTo}), and one that ends early (misuse, or an op placed on another
 * rank) {@link #clear}s it.
 */
final class OpObjects {
    private Tracked[] objects = new Tracked[8];
    private Access[] access = new Access[8];
    private int count;

    void clear() {
        for (int i = 0; i < count; i++) { // a plain loop: a call has a few objects, Arrays.fill's checks cost more
            objects[i] = null;
        }
        count = 0;
    }

    void add(Tracked object, Access a) {
        for (int i = 0; i < count; i++) {
            if (objects[i] == object) {
                access[i] = access[i].combine(a);
                return;
            }
        }
        if (count == objects.length) {
            objects = Arrays.copyOf(objects, count * 2);
            access = Arrays.copyOf(access, count * 2);
        }
        objects[count] = object;
        access[count++] = a;
    }

    int count() {
        return count;
    }

    /** The objects collected so far, at {@code [0, count())}; the array stays this list's. */
    Tracked[] objects() {
        return objects;
    }

    /** The access mode of each object, at {@code [0, count())}; the array stays this list's. */
    Access[] accessModes() {
        return access;
    }

    /**
     * Copies the {@link #count()} objects and their access modes into the given arrays (of exactly that length, an
     * op node's) and clears this list: the only clear of a submission that goes on, done once.
     */
    void moveTo(Tracked[] targetObjects, Access[] targetAccess) {
        int n = count;
        System.arraycopy(objects, 0, targetObjects, 0, n);
        System.arraycopy(access, 0, targetAccess, 0, n);
        clear();
    }
}
