package org.bind.dag;

import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.function.UnaryOperator;

import org.bind.BindException;
import org.bind.intercept.OpMethod;
import org.bind.intercept.ParamKind;
import org.bind.version.Tracked;

/**
 * Captures plain op arguments by value at call time, so that the program may change its own copy after the
 * call: immutable values are kept, primitive arrays copied, records and object arrays copied deeply.
 * Anything else is not capturable ({@link #capturer} returns null).
 *
 * <p>Thread safe; capturers are cached per class.
 */
final class ArgCapture {
    private static final UnaryOperator<Object> SAME = value -> value;

    private static final ClassValue<UnaryOperator<Object>> CAPTURERS = new ClassValue<>() {
        @Override
        protected UnaryOperator<Object> computeValue(Class<?> type) {
            return derive(type);
        }
    };

    private ArgCapture() {
    }

    /**
     * Classifies argument {@code i} of a call: adds the versioned objects it names to {@code objects} with the
     * parameter's access (one object, or each element of an array or {@code List} of versioned objects, which
     * is then copied so that the program may reuse its own), checking they belong to {@code owner}; captures a
     * plain argument by value in place. Throws {@link BindException} naming the method and parameter for misuse.
     */
    static void classify(OpMethod method, Object[] arguments, int i, Engine owner, OpObjects objects) {
        Object argument = arguments[i];
        ParamKind kind = method.kind(i);
        if (argument instanceof Tracked object) {
            if (kind == ParamKind.BY_REF) {
                throw misuse(method, i, object + " is versioned and tracked by the runtime; drop @ByRef");
            }
            checkOwner(method, i, object, owner, "");
            objects.add(object, accessOf(kind));
            return;
        }
        if (method.collectionOfVersions(i)) {
            arguments[i] = classifyElements(method, i, argument, owner, objects);
            return;
        }
        if (kind == ParamKind.IN || kind == ParamKind.OUT || (argument == null && method.versionedType(i))) {
            throw misuse(method, i, argument == null ? "is null" : "needs a Versioned argument, got "
                + argument.getClass().getName());
        }
        if (argument != null && kind != ParamKind.BY_REF) {
            arguments[i] = capture(method, i, argument);
        }
    }

    /** Checks a versioned receiver and adds it as a read-write object. */
    static void classifyReceiver(OpMethod method, Tracked receiver, Engine owner, OpObjects objects) {
        if (receiver.versionChain().owner() != owner) {
            throw new BindException("@Op method " + method.name() + ": receiver " + receiver
                + " belongs to another Bind instance (closed, or another rank)");
        }
        objects.add(receiver, Access.READ_WRITE);
    }

    private static Access accessOf(ParamKind kind) {
        return kind == ParamKind.IN ? Access.READ : kind == ParamKind.OUT ? Access.WRITE : Access.READ_WRITE;
    }

    private static void checkOwner(OpMethod method, int i, Tracked object, Engine owner, String where) {
        if (object.versionChain().owner() != owner) {
            throw misuse(method, i, where + object + " belongs to another Bind instance (closed, or another rank)");
        }
    }

    /** Adds each element of an array or list argument; returns the copy the op will see. */
    private static Object classifyElements(OpMethod method, int i, Object argument, Engine owner,
                                           OpObjects objects) {
        if (argument == null) {
            throw misuse(method, i, "is null");
        }
        Access access = accessOf(method.kind(i));
        if (argument instanceof Object[] array) {
            Object[] copy = array.clone();
            for (int e = 0; e < copy.length; e++) {
                addElement(method, i, e, copy[e], owner, objects, access);
            }
            return copy;
        }
        if (argument instanceof java.util.Collection<?> collection) {
            Object[] elements = collection.toArray();
            for (int e = 0; e < elements.length; e++) {
                addElement(method, i, e, elements[e], owner, objects, access);
            }
            return java.util.Collections.unmodifiableList(java.util.Arrays.asList(elements));
        }
        throw misuse(method, i, "needs an array or a List of Versioned objects, got " + argument.getClass().getName());
    }

    private static void addElement(OpMethod method, int i, int element, Object value, Engine owner,
                                   OpObjects objects, Access access) {
        if (!(value instanceof Tracked object)) {
            throw misuse(method, i, "element " + element + (value == null ? " is null"
                : " is a " + value.getClass().getName() + ", not a Versioned object"));
        }
        checkOwner(method, i, object, owner, "element " + element + ", ");
        objects.add(object, access);
    }

    private static Object capture(OpMethod method, int parameter, Object argument) {
        UnaryOperator<Object> capturer = capturer(argument.getClass());
        if (capturer != null) {
            try {
                return capturer.apply(argument);
            } catch (NotCapturable nested) {
                throw misuse(method, parameter, "holds a " + nested.type.getName() + ", which " + CANNOT_CAPTURE);
            }
        }
        throw misuse(method, parameter, "is a " + argument.getClass().getName() + ", which " + CANNOT_CAPTURE);
    }

    private static final String CANNOT_CAPTURE = "cannot be captured by value: pass a Versioned object, a value"
        + " (primitive, String, enum, primitive array, record of those), or mark the parameter @ByRef";

    private static BindException misuse(OpMethod method, int parameter, String problem) {
        return new BindException("@Op method " + method.name() + ", parameter " + method.describe(parameter)
            + ": argument " + problem);
    }

    /** A function copying values of {@code type} by value, or null when such values cannot be captured. */
    static UnaryOperator<Object> capturer(Class<?> type) {
        return CAPTURERS.get(type);
    }

    private static UnaryOperator<Object> derive(Class<?> type) {
        if (type == Integer.class || type == Long.class || type == Double.class || type == Float.class
            || type == Short.class || type == Byte.class || type == Character.class || type == Boolean.class
            || type == String.class || type.isEnum() || type == BigInteger.class || type == BigDecimal.class
            || type == Class.class) {
            return SAME;
        }
        if (type.isArray()) {
            Class<?> element = type.getComponentType();
            if (element.isPrimitive()) {
                return ArgCapture::copyPrimitiveArray;
            }
            UnaryOperator<Object> elementCapturer = capturer(element);
            if (elementCapturer == null && element != Object.class) {
                return null;
            }
            return array -> copyObjectArray(array, element);
        }
        if (type.isRecord()) {
            return recordCapturer(type);
        }
        return null;
    }

    private static Object copyPrimitiveArray(Object array) {
        int n = Array.getLength(array);
        Object copy = Array.newInstance(array.getClass().getComponentType(), n);
        System.arraycopy(array, 0, copy, 0, n);
        return copy;
    }

    private static Object copyObjectArray(Object array, Class<?> element) {
        Object[] source = (Object[]) array;
        Object[] copy = (Object[]) Array.newInstance(element, source.length);
        for (int i = 0; i < source.length; i++) {
            copy[i] = captureOrFail(source[i]);
        }
        return copy;
    }

    private static Object captureOrFail(Object value) {
        if (value == null) {
            return null;
        }
        UnaryOperator<Object> capturer = capturer(value.getClass());
        if (capturer == null) {
            throw new NotCapturable(value.getClass());
        }
        return capturer.apply(value);
    }

    private static UnaryOperator<Object> recordCapturer(Class<?> type) {
        RecordComponent[] components = type.getRecordComponents();
        boolean allImmutable = true;
        for (RecordComponent component : components) {
            Class<?> componentType = component.getType();
            if (componentType.isPrimitive()) {
                continue;
            }
            UnaryOperator<Object> capturer = capturer(componentType);
            if (capturer == null && componentType != Object.class) {
                return null;
            }
            allImmutable &= capturer == SAME;
        }
        if (allImmutable) {
            return SAME;
        }
        try {
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                components[i].getAccessor().setAccessible(true);
            }
            java.lang.reflect.Constructor<?> constructor = type.getDeclaredConstructor(types);
            constructor.setAccessible(true);
            return record -> {
                try {
                    Object[] values = new Object[components.length];
                    for (int i = 0; i < components.length; i++) {
                        Object value = components[i].getAccessor().invoke(record);
                        values[i] = components[i].getType().isPrimitive() ? value : captureOrFail(value);
                    }
                    return constructor.newInstance(values);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot copy record " + type.getName() + ": " + e, e);
                }
            };
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** A value nested in an array or record that cannot be captured. */
    static final class NotCapturable extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final Class<?> type;

        NotCapturable(Class<?> type) {
            super(type.getName(), null, false, false);
            this.type = type;
        }
    }
}
