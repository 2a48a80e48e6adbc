package org.bind.intercept;

import java.lang.instrument.Instrumentation;

/**
 * Java agent entry points: {@code -javaagent:bind-core.jar} (what {@code bin/bindrun} passes) or a dynamic
 * attach. Both only keep the {@link Instrumentation}; {@code Bind.init} installs the interception.
 */
public final class BindAgent {
    private static volatile Instrumentation instrumentation;

    private BindAgent() {
    }

    public static void premain(String arguments, Instrumentation inst) {
        instrumentation = inst;
    }

    public static void agentmain(String arguments, Instrumentation inst) {
        instrumentation = inst;
    }

    /** The instrumentation handed to this agent at start-up, or null. */
    static Instrumentation instrumentation() {
        return instrumentation;
    }
}
