package org.bind.intercept;

import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.ParameterDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;
import net.bytebuddy.pool.TypePool;
import net.bytebuddy.utility.OpenedClassReader;

/**
 * The code woven at the start of one {@code @Op} method: it asks {@link Dispatcher#call} whether the call is to be
 * recorded and, when it is, hands over the arguments typed, one {@code OpCall.with(..)} per parameter (primitives
 * are not boxed), submits and returns; otherwise the body runs.
 *
 * <pre>
 *   OpCall call = Dispatcher.call(opId, DeclaringType.class, this);   // null for static methods' "this"
 *   if (call != null) {
 *       call.with(a0).with(a1)...with(aN).submit();
 *       return;                                                       // 0 / null for a (misused) non-void op
 *   }
 *   ... the original body
 * </pre>
 *
 * The class is read with expanded frames (see {@link Interceptor}), so the one frame added, at the start of the
 * body, is written in full: the method's initial locals and the {@code OpCall} left on the stack.
 */
final class OpEntry implements AsmVisitorWrapper.ForDeclaredMethods.MethodVisitorWrapper {
    private static final String DISPATCHER = Type.getInternalName(Dispatcher.class);
    private static final String CALL = Type.getInternalName(OpCall.class);
    private static final String CALL_DESCRIPTOR = "(ILjava/lang/Class;Ljava/lang/Object;)L" + CALL + ";";

    private final int opId;

    OpEntry(int opId) {
        this.opId = opId;
    }

    @Override
    public MethodVisitor wrap(TypeDescription type, MethodDescription method, MethodVisitor visitor,
                              Implementation.Context context, TypePool pool, int writerFlags, int readerFlags) {
        return new MethodVisitor(OpenedClassReader.ASM_API, visitor) {
            @Override
            public void visitCode() {
                super.visitCode();
                emitEntry(type, method, mv);
            }

            @Override
            public void visitMaxs(int maxStack, int maxLocals) {
                super.visitMaxs(Math.max(maxStack, 4), maxLocals); // id, class, receiver, call; call + a long
            }
        };
    }

    private void emitEntry(TypeDescription type, MethodDescription method, MethodVisitor mv) {
        boolean isStatic = method.isStatic();
        mv.visitLdcInsn(opId);
        mv.visitLdcInsn(Type.getType(type.getDescriptor()));
        if (isStatic) {
            mv.visitInsn(Opcodes.ACONST_NULL);
        } else {
            mv.visitVarInsn(Opcodes.ALOAD, 0);
        }
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, DISPATCHER, "call", CALL_DESCRIPTOR, false);
        mv.visitInsn(Opcodes.DUP);
        Label body = new Label();
        mv.visitJumpInsn(Opcodes.IFNULL, body);
        int slot = isStatic ? 0 : 1;
        for (ParameterDescription parameter : method.getParameters()) {
            TypeDescription t = parameter.getType().asErasure();
            String argument;
            int load;
            if (t.represents(long.class)) {
                load = Opcodes.LLOAD;
                argument = "J";
            } else if (t.represents(double.class)) {
                load = Opcodes.DLOAD;
                argument = "D";
            } else if (t.represents(float.class)) {
                load = Opcodes.FLOAD;
                argument = "F";
            } else if (t.represents(boolean.class)) {
                load = Opcodes.ILOAD;
                argument = "Z";
            } else if (t.isPrimitive()) { // int, short, byte, char: ints on the operand stack
                load = Opcodes.ILOAD;
                argument = "I";
            } else {
                load = Opcodes.ALOAD;
                argument = "Ljava/lang/Object;";
            }
            mv.visitVarInsn(load, slot);
            slot += t.getStackSize().getSize();
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, CALL, "with", "(" + argument + ")L" + CALL + ";", false);
        }
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, CALL, "submit", "()V", false);
        emitDefaultReturn(method.getReturnType().asErasure(), mv);
        mv.visitLabel(body);
        Object[] locals = initialLocals(type, method);
        mv.visitFrame(Opcodes.F_NEW, locals.length, locals, 1, new Object[] {CALL});
        mv.visitInsn(Opcodes.POP);
    }

    /** A non-void {@code @Op} is refused at submission; the return only keeps the code verifiable. */
    private static void emitDefaultReturn(TypeDescription returned, MethodVisitor mv) {
        if (returned.represents(void.class)) {
            mv.visitInsn(Opcodes.RETURN);
        } else if (returned.represents(long.class)) {
            mv.visitInsn(Opcodes.LCONST_0);
            mv.visitInsn(Opcodes.LRETURN);
        } else if (returned.represents(double.class)) {
            mv.visitInsn(Opcodes.DCONST_0);
            mv.visitInsn(Opcodes.DRETURN);
        } else if (returned.represents(float.class)) {
            mv.visitInsn(Opcodes.FCONST_0);
            mv.visitInsn(Opcodes.FRETURN);
        } else if (returned.isPrimitive()) {
            mv.visitInsn(Opcodes.ICONST_0);
            mv.visitInsn(Opcodes.IRETURN);
        } else {
            mv.visitInsn(Opcodes.ACONST_NULL);
            mv.visitInsn(Opcodes.ARETURN);
        }
    }

    /** The locals at the method's entry, in ASM's expanded frame form (long and double as one entry). */
    private static Object[] initialLocals(TypeDescription type, MethodDescription method) {
        int offset = method.isStatic() ? 0 : 1;
        Object[] locals = new Object[offset + method.getParameters().size()];
        if (offset == 1) {
            locals[0] = type.getInternalName();
        }
        for (ParameterDescription parameter : method.getParameters()) {
            TypeDescription t = parameter.getType().asErasure();
            Object local;
            if (t.represents(long.class)) {
                local = Opcodes.LONG;
            } else if (t.represents(double.class)) {
                local = Opcodes.DOUBLE;
            } else if (t.represents(float.class)) {
                local = Opcodes.FLOAT;
            } else if (t.isPrimitive()) {
                local = Opcodes.INTEGER;
            } else {
                local = t.getInternalName();
            }
            locals[offset + parameter.getIndex()] = local;
        }
        return locals;
    }
}
