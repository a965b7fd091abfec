package banyan.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The only collector of exit statuses. One platform thread waits in waitid(P_ALL) for any child,
 * hands the status to the owner registered at spawn time, and counts (and reaps) the orphans that
 * the kernel reparents to banyan.
 *
 * <p>A pid is only ever signalled while it is registered, i.e. not yet reaped, so a signal cannot
 * reach a reused pid: the reaper first peeks (WNOWAIT), then unregisters and reaps under the lock
 * that {@link #signal} takes.
 */
public final class Reaper {
    /** How a process ended: exit code, or the signal that killed it. */
    public record Exit(int pid, int code, int signal, boolean coreDumped) {
        public boolean success() {
            return signal == 0 && code == 0;
        }

        public String describe() {
            return signal == 0 ? "exited " + code : "killed by " + Signals.name(signal) + (coreDumped ? " (core dumped)" : "");
        }

        /** The shell's convention: the code, or 128 + the signal. */
        public int shellCode() {
            return signal == 0 ? code : 128 + signal;
        }
    }

    /** Receives an exit on the reaper thread; must only hand it over (offer to a mailbox), never block. */
    public interface Owner {
        void exited(Exit exit);
    }

    private static final int P_ALL = 0, P_PID = 1, WEXITED = 4, WNOWAIT = 0x01000000;
    private static final int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3;
    private static final MethodHandle WAITID = Native.errnoCall("waitid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    private static final Reaper INSTANCE = new Reaper();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition spawned = lock.newCondition();
    private final Map<Integer, Owner> owners = new HashMap<>(); // guarded by lock
    private long spawns;                                         // guarded by lock
    private int inFlight;                                        // guarded by lock: spawns not yet registered
    private final AtomicLong orphans = new AtomicLong();
    private volatile Owner orphanListener = exit -> {};
    private volatile boolean started;

    private Reaper() {}

    /** The reaper, started on first use. */
    public static Reaper get() {
        if (!INSTANCE.started) INSTANCE.start();
        return INSTANCE;
    }

    private synchronized void start() {
        if (started) return;
        Thread t = Thread.ofPlatform().name("banyan-reaper").daemon(true).unstarted(this::run);
        t.start();
        started = true;
    }

    /**
     * Spawns spec and registers owner for its exit. posix_spawn runs outside the lock, so spawns
     * proceed in parallel; the reaper waits for in-flight spawns before it calls a pid an orphan.
     */
    public int spawn(Spawn.Spec spec, Owner owner) {
        lock.lock();
        try {
            inFlight++;
        } finally {
            lock.unlock();
        }
        int pid = -1;
        try {
            pid = Spawn.spawn(spec);
            return pid;
        } finally {
            lock.lock();
            try {
                if (pid > 0) owners.put(pid, owner);
                inFlight--;
                spawns++;
                spawned.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Takes over the exit of pid, a process that became our child (a daemon's fork, reparented
     * to banyan as subreaper) and that a service named as its main process (sd_notify MAINPID=).
     * False when pid is not our child. Race, accepted: if it died before this call, its exit
     * was already counted as an orphan's and the owner hears nothing.
     */
    public boolean adopt(int pid, Owner owner) {
        lock.lock();
        try {
            if (owners.containsKey(pid) || Proc.parentOf(pid) != Proc.pid()) return false;
            owners.put(pid, owner);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Sends signal to pid if it is still an unreaped child of ours; false otherwise. */
    public boolean signal(int pid, int signal) {
        lock.lock();
        try {
            return owners.containsKey(pid) && Signals.kill(pid, signal);
        } finally {
            lock.unlock();
        }
    }

    /** Sends signal to the process group led by pid, if that leader is still an unreaped child of ours. */
    public boolean signalGroup(int pid, int signal) {
        lock.lock();
        try {
            return owners.containsKey(pid) && Signals.killGroup(pid, signal);
        } finally {
            lock.unlock();
        }
    }

    /** Orphans reaped since start: processes reparented to banyan that no service owned. */
    public long orphansReaped() {
        return orphans.get();
    }

    public void onOrphan(Owner listener) {
        orphanListener = listener;
    }

    /** Number of registered, unreaped children. */
    public int children() {
        lock.lock();
        try {
            return owners.size();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            MemorySegment info = a.allocate(128, 8);
            while (true) {
                long seen;
                lock.lock();
                try {
                    seen = spawns;
                } finally {
                    lock.unlock();
                }
                int rc = waitid(cap, P_ALL, 0, info, WEXITED | WNOWAIT);
                if (rc < 0) {
                    int e = Native.errno(cap);
                    if (e == OsException.ECHILD) awaitChild(seen);
                    else if (e != OsException.EINTR) throw new OsException("waitid", "P_ALL", e);
                    continue;
                }
                int pid = info.get(JAVA_INT, 16);
                if (pid <= 0) continue;
                Owner owner;
                Exit exit;
                lock.lock();
                try {
                    owner = owners.remove(pid);
                    while (owner == null && inFlight > 0) { // it may be a child whose spawn has not returned yet
                        spawned.awaitUninterruptibly();
                        owner = owners.remove(pid);
                    }
                    info.fill((byte) 0);
                    if (waitid(cap, P_PID, pid, info, WEXITED) < 0) continue; // someone else reaped it: not ours to report
                    exit = decode(pid, info);
                } finally {
                    lock.unlock();
                }
                if (owner != null) owner.exited(exit);
                else {
                    orphans.incrementAndGet();
                    orphanListener.exited(exit);
                }
            }
        } catch (Throwable t) {
            // The reaper must outlive any bug in an owner: report and go on in a fresh thread.
            System.err.println("banyan: reaper: " + t);
            Thread.ofPlatform().name("banyan-reaper").daemon(true).start(this::run);
        }
    }

    /**
     * Nothing to wait for until a spawn, or until {@link #adopted} says the kernel gave us a child:
     * as PID 1, a process that entered the namespace from outside (setns) leaves its orphans to us.
     */
    private void awaitChild(long seen) {
        lock.lock();
        try {
            while (spawns == seen) spawned.awaitUninterruptibly();
        } finally {
            lock.unlock();
        }
    }

    /** A child may have appeared that no spawn of ours made (call it on SIGCHLD): look again. */
    public void adopted() {
        lock.lock();
        try {
            spawns++;
            spawned.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static int waitid(MemorySegment cap, int idtype, int id, MemorySegment info, int options) {
        try {
            return (int) WAITID.invokeExact(cap, idtype, id, info, options);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private static Exit decode(int pid, MemorySegment info) {
        int code = info.get(JAVA_INT, 8), status = info.get(JAVA_INT, 24);
        return switch (code) {
            case CLD_EXITED -> new Exit(pid, status, 0, false);
            case CLD_KILLED -> new Exit(pid, 0, status, false);
            case CLD_DUMPED -> new Exit(pid, 0, status, true);
            default -> new Exit(pid, status, 0, false);
        };
    }
}
