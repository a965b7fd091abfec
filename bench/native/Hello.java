import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;

/** The smallest program with what banyan needs of a native image: a virtual thread and an FFM downcall (getpid). */
public class Hello {
    public static void main(String[] args) throws Throwable {
        var linker = Linker.nativeLinker();
        var getpid = linker.downcallHandle(linker.defaultLookup().find("getpid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
        int[] pid = new int[1];
        Thread t = Thread.ofVirtual().start(() -> {
            try { pid[0] = (int) getpid.invokeExact(); } catch (Throwable e) { throw new RuntimeException(e); }
        });
        t.join();
        System.out.println("hello from a virtual thread, pid " + pid[0] + (pid[0] == ProcessHandle.current().pid() ? " (right)" : " (WRONG)"));
    }
}
