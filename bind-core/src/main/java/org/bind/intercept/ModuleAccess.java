package org.bind.intercept;

import java.lang.instrument.Instrumentation;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import net.bytebuddy.agent.ByteBuddyAgent;
import org.bind.BindException;

/**
 * Gives the class path (a class loader's unnamed module) access to JDK-internal packages at run time, what the
 * command-line flags {@code --add-exports java.base/P=ALL-UNNAMED} and {@code --add-opens java.base/P=ALL-UNNAMED}
 * do at start-up: libraries such as Agrona need {@code jdk.internal.misc}, and launchers Bind does not control (MPJ
 * Express's {@code mpjrun}) do not pass the flags. Uses {@link Instrumentation#redefineModule} with the
 * instrumentation of {@code -javaagent:bind-core.jar}, or of a self-attach when the JVM has no agent (as
 * {@link Interceptor} does). Nothing happens for packages that are already exported or open.
 */
public final class ModuleAccess {
    private ModuleAccess() {
    }

    /**
     * Exports {@code exports} and opens {@code opens} (packages of {@code java.base}) to the unnamed module of
     * {@code loader}, unless it has that access already. Call before the classes that need the access are first
     * used. Thread safe.
     *
     * @throws BindException when it cannot, naming the JVM flags that would
     */
    public static synchronized void grantJavaBase(ClassLoader loader, List<String> exports, List<String> opens) {
        Module javaBase = Object.class.getModule();
        Module unnamed = (loader == null ? ClassLoader.getSystemClassLoader() : loader).getUnnamedModule();
        Map<String, Set<Module>> toExport = new HashMap<>();
        for (String pkg : exports) {
            if (!javaBase.isExported(pkg, unnamed)) {
                toExport.put(pkg, Set.of(unnamed));
            }
        }
        Map<String, Set<Module>> toOpen = new HashMap<>();
        for (String pkg : opens) {
            if (!javaBase.isOpen(pkg, unnamed)) {
                toOpen.put(pkg, Set.of(unnamed));
            }
        }
        if (toExport.isEmpty() && toOpen.isEmpty()) {
            return;
        }
        try {
            Instrumentation inst = BindAgent.instrumentation();
            if (inst == null) {
                inst = ByteBuddyAgent.install();
            }
            inst.redefineModule(javaBase, Set.of(), toExport, toOpen, Set.of(), Map.of());
        } catch (RuntimeException | LinkageError e) {
            StringBuilder flags = new StringBuilder();
            toExport.keySet().forEach(p -> flags.append(" --add-exports java.base/").append(p).append("=ALL-UNNAMED"));
            toOpen.keySet().forEach(p -> flags.append(" --add-opens java.base/").append(p).append("=ALL-UNNAMED"));
            throw new BindException("cannot give the class path access to " + toExport.keySet() + " (exports) and "
                + toOpen.keySet() + " (opens) of java.base (" + e + "): start the JVM with -javaagent:<bind-core.jar>"
                + " or with" + flags, e);
        }
    }
}
