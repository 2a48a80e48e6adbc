package org.bind.intercept;

import net.bytebuddy.asm.Advice;

/**
 * Woven at the start of every {@code @Op} method. When the call comes from sequential code it is recorded
 * and the body is skipped; when it comes from a running op (the runtime invoking it, or a nested call) the
 * body runs.
 */
final class OpAdvice {
    private OpAdvice() {
    }

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
    static boolean enter(@OpId int opId,
                         @Advice.Origin Class<?> declaringType,
                         @Advice.This(optional = true) Object self,
                         @Advice.AllArguments Object[] arguments) {
        return Dispatcher.onCall(opId, declaringType, self, arguments);
    }
}
