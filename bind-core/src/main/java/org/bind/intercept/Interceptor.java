package org.bind.intercept;

import static net.bytebuddy.matcher.ElementMatchers.declaresMethod;
import static net.bytebuddy.matcher.ElementMatchers.isAnnotatedWith;
import static net.bytebuddy.matcher.ElementMatchers.is;
import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.none;
import static net.bytebuddy.matcher.ElementMatchers.named;

import java.lang.instrument.Instrumentation;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.ByteBuddyAgent;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;
import org.bind.BindException;

/**
 * Installs the weaving of {@code @Op} methods, once per JVM: a Byte Buddy {@link AgentBuilder} that adds
 * {@link OpEntry}'s code to the start of every method annotated {@code org.bind.Op} (matched by name, so per-rank class loaders
 * work too), in classes loaded later and, by retransformation, in classes loaded already.
 *
 * <p>The {@link Instrumentation} comes from {@code -javaagent} (bind-core's or Byte Buddy's agent jar) when the
 * JVM was started with one, else from a self-attach. Under bind-core's agent the weaving is installed at start-up,
 * so the program's classes are woven as they load; otherwise {@code Bind.init} retransforms the classes loaded
 * already, and {@link SourceFiles} puts back the file names the JVM then drops from running frames.
 */
public final class Interceptor {
    private static final ElementMatcher.Junction<net.bytebuddy.description.annotation.AnnotationSource> OP =
        isAnnotatedWith(named("org.bind.Op"));
    /**
     * Packages that declare no ops: Bind's own runtime and the libraries it loads. With the agent installed at
     * start-up, every class loaded later passes the type matcher; a name check is cheaper than reading the class.
     */
    private static final ElementMatcher.Junction<net.bytebuddy.description.NamedElement> RUNTIME_LIBRARIES =
        nameStartsWith("io.aeron.").or(nameStartsWith("org.agrona.")).or(nameStartsWith("org.bytedeco."))
            .or(nameStartsWith("mpi.")).or(nameStartsWith("mpjdev.")).or(nameStartsWith("mpjbuf."))
            .or(nameStartsWith("xdev.")).or(nameStartsWith("org.apache.log4j."))
            .or(nameStartsWith("org.bind.dag.")).or(nameStartsWith("org.bind.version."))
            .or(nameStartsWith("org.bind.transport.")).or(nameStartsWith("org.bind.codec."))
            .or(nameStartsWith("org.bind.schedule.")).or(nameStartsWith("org.bind.collective."))
            .or(nameStartsWith("org.bind.trace.")).or(nameStartsWith("org.bind.mpi.aeron."));
    private static volatile boolean installed;
    /**
     * Comma-separated class name prefixes the weaving skips, for large libraries known to declare no {@code @Op}
     * (a test framework, a build tool): saves reading their classes at load time.
     */
    public static final String SKIP_PROP_NAME = "bind.intercept.skip";

    private Interceptor() {
    }

    private static ElementMatcher.Junction<net.bytebuddy.description.NamedElement> skippedByConfiguration() {
        ElementMatcher.Junction<net.bytebuddy.description.NamedElement> skipped = none();
        for (String prefix : System.getProperty(SKIP_PROP_NAME, "").split(",")) {
            if (!prefix.isBlank()) {
                skipped = skipped.or(nameStartsWith(prefix.trim()));
            }
        }
        return skipped;
    }

    /** Installs the weaving unless done already. Thread safe; the first call takes a moment (retransformation). */
    public static synchronized void install() {
        if (!installed) {
            install(instrumentation());
        }
    }

    /** Installs the weaving with {@code inst} unless done already: from {@link BindAgent#premain} or {@link #install()}. */
    static synchronized void install(Instrumentation inst) {
        if (installed) {
            return;
        }
        new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED))
            .disableClassFormatChanges()
            .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
            // Retransforming a class can load others (verifying main loads the class of a receiver a lambda
            // captures), and such a class escaped both the load-time and the first retransformation pass: look
            // again for classes loaded meanwhile until there are none.
            .with(AgentBuilder.RedefinitionStrategy.DiscoveryStrategy.Reiterating.INSTANCE)
            .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
            .with(AgentBuilder.TypeStrategy.Default.DECORATE)
            .with(AgentBuilder.PoolStrategy.Default.FAST)
            .with(new AgentBuilder.Listener.Adapter() {
                @Override
                public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module,
                                             boolean loaded, DynamicType dynamicType) {
                    if (loaded) {
                        SourceFiles.onRetransformed(type.getName(), dynamicType.getBytes());
                    }
                }
            })
            .ignore(nameStartsWith("java.").or(nameStartsWith("javax.")).or(nameStartsWith("jdk."))
                .or(nameStartsWith("sun.")).or(nameStartsWith("com.sun.")).or(nameStartsWith("net.bytebuddy."))
                .or(nameStartsWith("org.bind.intercept.")).or(isSynthetic()).or(RUNTIME_LIBRARIES)
                .or(skippedByConfiguration()))
            .type(declaresMethod(OP))
            .transform((builder, type, classLoader, module, protectionDomain) -> {
                for (MethodDescription.InDefinedShape method : type.getDeclaredMethods().filter(OP)) {
                    if (method.isAbstract() || method.isNative()) {
                        continue;
                    }
                    // Names now: JDK 17 drops MethodParameters when it retransforms an already-loaded class.
                    String[] names = method.getParameters().stream()
                        .map(p -> p.isNamed() ? p.getName() : null).toArray(String[]::new);
                    int id = OpRegistry.register(method.getInternalName(), method.getDescriptor(), names);
                    builder = builder.visit(new AsmVisitorWrapper.ForDeclaredMethods()
                        .readerFlags(ClassReader.EXPAND_FRAMES)
                        .method(is(method), new OpEntry(id)));
                }
                return builder;
            })
            .installOn(inst);
        installed = true;
    }

    private static Instrumentation instrumentation() {
        Instrumentation inst = BindAgent.instrumentation();
        if (inst != null) {
            return inst;
        }
        try {
            return ByteBuddyAgent.install();
        } catch (RuntimeException | LinkageError e) {
            throw new BindException("cannot install the @Op interception: the JVM refused to attach an agent ("
                + e.getMessage() + "); start it with -javaagent:<bind-core.jar>, as bin/bindrun does", e);
        }
    }
}
