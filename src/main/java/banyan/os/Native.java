package banyan.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** The one place that looks up libc symbols. Every handle that can fail captures errno. */
final class Native {
    private Native() {}

    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LIBC = LINKER.defaultLookup();
    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle STRERROR =
            LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    /** A handle whose first argument is the errno capture segment. */
    static MethodHandle errnoCall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)),
                fd, Linker.Option.captureCallState("errno"));
    }

    /** For variadic functions (open, fcntl, prctl): the ABI passes variadic arguments differently. */
    static MethodHandle errnoCallVariadic(String name, FunctionDescriptor fd, int firstVariadic) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)),
                fd, Linker.Option.firstVariadicArg(firstVariadic), Linker.Option.captureCallState("errno"));
    }

    /** A handle for calls that return an error number instead of setting errno (posix_spawn family). */
    static MethodHandle plainCall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)), fd);
    }

    static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    static MemorySegment capture(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** Unwraps what a downcall can throw: only errors of the JVM itself, never checked exceptions. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    static MemorySegment cString(Arena arena, String s) {
        return arena.allocateFrom(s);
    }

    /** A NULL-terminated char*[] for argv and envp. */
    static MemorySegment cStringArray(Arena arena, java.util.List<String> items) {
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, items.size() + 1L);
        for (int i = 0; i < items.size(); i++) array.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(items.get(i)));
        array.setAtIndex(ValueLayout.ADDRESS, items.size(), MemorySegment.NULL);
        return array;
    }
}
