package org.bind.intercept;

import java.lang.instrument.Instrumentation;

/**
 * Java agent entry points: {@code -javaagent:bind-core.jar} (what {@code bin/bindrun} passes) or a dynamic
 * attach. At start-up ({@code premain}) the interception is installed at once, so the program's classes are woven
 * as they load and keep their debug information in every frame; after a dynamic attach {@code Bind.init}
 * installs it.
 */
public final class BindAgent {
    private static volatile Instrumentation instrumentation;

    private BindAgent() {
    }

    public static void premain(String arguments, Instrumentation inst) {
        instrumentation = inst;
        Interceptor.install(inst);
    }

    public static void agentmain(String arguments, Instrumentation inst) {
        instrumentation = inst;
    }

    /** The instrumentation handed to this agent at start-up, or null. */
    static Instrumentation instrumentation() {
        return instrumentation;
    }
}
