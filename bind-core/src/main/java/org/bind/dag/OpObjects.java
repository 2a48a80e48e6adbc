package org.bind.dag;

import java.util.Arrays;

import org.bind.version.Tracked;

/**
 * The distinct versioned objects one op call touches, each with its combined access: the arguments, the
 * elements of array and {@code List} arguments, and a versioned receiver. An object named twice (two
 * parameters, or a parameter and the receiver) is one entry whose access combines both.
 *
 * <p>Program thread only; one instance reused for every submission.
 */
final class OpObjects {
    private static final Tracked[] NO_OBJECTS = new Tracked[0];
    private static final Access[] NO_ACCESS = new Access[0];

    private Tracked[] objects = new Tracked[8];
    private Access[] access = new Access[8];
    private int count;

    void clear() {
        Arrays.fill(objects, 0, count, null);
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

    Tracked object(int i) {
        return objects[i];
    }

    Access access(int i) {
        return access[i];
    }

    /** The objects, exactly sized, for the op node to keep. */
    Tracked[] objectsCopy() {
        return count == 0 ? NO_OBJECTS : Arrays.copyOf(objects, count);
    }

    /** The access modes, exactly sized, for the op node to keep. */
    Access[] accessCopy() {
        return count == 0 ? NO_ACCESS : Arrays.copyOf(access, count);
    }
}
