package org.bind.intercept;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.util.Collection;
import java.util.List;

import org.bind.ByRef;
import org.bind.In;
import org.bind.Op;
import org.bind.Out;
import org.bind.version.Tracked;

/**
 * An {@code @Op} method as the runtime sees it: name, parameter kinds, and an invoker. A method that breaks
 * the rules still gets an {@code OpMethod}, carrying the message that every call to it throws.
 *
 * <p>Immutable; thread safe.
 */
public final class OpMethod {
    private final int id;
    private final String name;
    private final Method method;
    private final ParamKind[] kinds;
    private final String[] parameterNames;
    private final MethodHandle invoker;
    private final boolean[] collections;
    private final boolean[] versionedTypes;
    private final int priority;
    private final String misuse;
    private final long signatureHash;
    private final boolean referenceParameters;
    private final boolean primitiveParameters;

    private OpMethod(int id, Method method, String[] wovenNames) {
        this.id = id;
        this.method = method;
        this.name = method.getDeclaringClass().getSimpleName() + "." + method.getName();
        Parameter[] parameters = method.getParameters();
        this.kinds = new ParamKind[parameters.length];
        this.parameterNames = new String[parameters.length];
        this.collections = new boolean[parameters.length];
        this.versionedTypes = new boolean[parameters.length];
        Op op = method.getAnnotation(Op.class);
        this.priority = op == null ? 0 : op.priority();
        String problem = method.getReturnType() == void.class ? null
            : "@Op method " + name + " returns " + method.getReturnType().getTypeName()
              + ": ops must return void; write results into an @Out parameter";
        for (int i = 0; i < parameters.length; i++) {
            Parameter p = parameters[i];
            String woven = wovenNames != null && i < wovenNames.length ? wovenNames[i] : null;
            parameterNames[i] = p.isNamePresent() ? p.getName() : woven != null ? woven : "#" + i;
            boolean in = p.isAnnotationPresent(In.class);
            boolean out = p.isAnnotationPresent(Out.class);
            boolean byRef = p.isAnnotationPresent(ByRef.class);
            boolean versionedType = Tracked.class.isAssignableFrom(p.getType());
            versionedTypes[i] = versionedType;
            collections[i] = collectionOfVersions(p, in || out);
            String where = "@Op method " + name + ", parameter " + describe(i);
            if (problem != null) {
                kinds[i] = ParamKind.DEFAULT;
                continue;
            }
            if ((in ? 1 : 0) + (out ? 1 : 0) + (byRef ? 1 : 0) > 1) {
                problem = where + ": @In, @Out and @ByRef exclude each other";
            } else if ((in || out) && !versionedType && !collections[i] && p.getType() != Object.class) {
                problem = where + ": @" + (in ? "In" : "Out") + " needs a Versioned type (or an array or List of"
                    + " one), not " + p.getParameterizedType().getTypeName();
            } else if (byRef && (versionedType || collections[i])) {
                problem = where + ": " + p.getType().getSimpleName()
                    + " is versioned and tracked by the runtime; drop @ByRef (use @In or @Out to narrow access)";
            }
            kinds[i] = in ? ParamKind.IN : out ? ParamKind.OUT : byRef ? ParamKind.BY_REF : ParamKind.DEFAULT;
        }
        this.misuse = problem;
        this.signatureHash = (method.getDeclaringClass().getName() + "." + method.getName()
            + MethodType.methodType(method.getReturnType(), method.getParameterTypes()).toMethodDescriptorString())
            .hashCode() * 0x9E3779B97F4A7C15L;
        boolean references = false;
        boolean primitives = false;
        for (Class<?> type : method.getParameterTypes()) {
            references |= !type.isPrimitive();
            primitives |= type.isPrimitive();
        }
        this.referenceParameters = references;
        this.primitiveParameters = primitives;
        this.invoker = problem == null ? OpInvoker.of(method) : null;
    }

    /**
     * Whether a parameter holds several versioned objects: an array of a versioned type, or a {@code List}
     * (or {@code Collection}, {@code Iterable}) whose element type is versioned, or a raw one marked
     * {@code @In}/{@code @Out}.
     */
    private static boolean collectionOfVersions(Parameter p, boolean annotated) {
        Class<?> type = p.getType();
        if (type.isArray()) {
            return Tracked.class.isAssignableFrom(type.getComponentType());
        }
        if (type != List.class && type != Collection.class && type != Iterable.class) {
            return false;
        }
        if (p.getParameterizedType() instanceof ParameterizedType generic) {
            Type element = generic.getActualTypeArguments()[0];
            if (element instanceof WildcardType wildcard) {
                element = wildcard.getUpperBounds()[0];
            }
            if (element instanceof ParameterizedType parameterized) {
                element = parameterized.getRawType();
            }
            return element instanceof Class<?> c && Tracked.class.isAssignableFrom(c)
                || annotated && element == Object.class;
        }
        return annotated;
    }

    static OpMethod create(int id, Method method, String[] wovenNames) {
        return new OpMethod(id, method, wovenNames);
    }

    public int id() {
        return id;
    }

    /** A hash of the declaring class, name and descriptor: equal on every rank for the same method. */
    public long signatureHash() {
        return signatureHash;
    }

    /** {@code Class.method}. */
    public String name() {
        return name;
    }

    public Method method() {
        return method;
    }

    public int parameterCount() {
        return kinds.length;
    }

    /** Whether parameter {@code parameter} is declared with a versioned type. */
    public boolean versionedType(int parameter) {
        return versionedTypes[parameter];
    }

    /**
     * Whether parameter {@code parameter} holds an array or a {@code List} of versioned objects, each tracked
     * as its own argument with the parameter's access.
     */
    public boolean collectionOfVersions(int parameter) {
        return collections[parameter];
    }

    /** The method's {@code @Op(priority)}: higher runs first among ready ops. */
    public int priority() {
        return priority;
    }

    public ParamKind kind(int parameter) {
        return kinds[parameter];
    }

    /** "2 (values)": the index and, when compiled with {@code -parameters}, the name. */
    public String describe(int parameter) {
        String n = parameterNames[parameter];
        return n.startsWith("#") ? String.valueOf(parameter) : parameter + " (" + n + ")";
    }

    /** Why this method cannot be an op, or null. */
    public String misuse() {
        return misuse;
    }

    /** Whether some parameter has a reference type (its arguments go into {@link OpCall}'s object slots). */
    public boolean referenceParameters() {
        return referenceParameters;
    }

    /** Whether some parameter has a primitive type (its arguments go into {@link OpCall}'s primitive slots). */
    public boolean primitiveParameters() {
        return primitiveParameters;
    }

    /**
     * Runs the method body with the arguments as {@link OpCall} stored them. Any thread; the caller marks the
     * thread as running an op first.
     */
    public void invoke(Object receiver, Object[] references, long[] primitives) throws Throwable {
        invoker.invokeExact(receiver, references, primitives);
    }

    @Override
    public String toString() {
        return name;
    }
}
