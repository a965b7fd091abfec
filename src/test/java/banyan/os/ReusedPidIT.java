package banyan.os;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A process remembered by (pid, start time) whose pid now names another process: a signal meant
 * for the first must not reach the second. The pid is reused for real, through ns_last_pid.
 */
class ReusedPidIT {
    // Forks until a child gets pid TARGET (ns_last_pid names the pid before it; other processes of
    // the machine may take it first, so it tries again). That child blocks HUP and USR1 and reports
    // them in the order sigwait takes them: the lower number first when both are pending, so a HUP
    // that reached it is always reported before the USR1 sent after it.
    private static final String REUSER = """
            import os,signal,sys
            target=int(sys.argv[1])
            signal.pthread_sigmask(signal.SIG_BLOCK,{signal.SIGHUP,signal.SIGUSR1})
            for attempt in range(20000):
              with open('/proc/sys/kernel/ns_last_pid','w') as f: f.write(str(target-1))
              pid=os.fork()
              if pid==0:
                if os.getpid()!=target: os._exit(0)
                print('ready',flush=True)
                while True:
                  s=signal.sigwait({signal.SIGHUP,signal.SIGUSR1})
                  print(signal.Signals(s).name,flush=True)
                  if s==signal.SIGUSR1: os._exit(0)
              os.waitpid(pid,0) if pid!=target else sys.exit(os.waitpid(pid,0)[1])
            print('pid %d was never handed out again' % target,flush=True)
            """;

    @Test
    void aSignalForAProcessThatIsGoneNeverReachesTheOneThatGotItsPid() throws Exception {
        assumeTrue(Proc.uid() == 0 || "true".equals(System.getenv("CI")), "needs root to set ns_last_pid (skipped: not root)");
        Process old = new ProcessBuilder("sleep", "1000").start();
        ProcessId gone = Proc.id((int) old.pid()).orElseThrow();
        old.destroyForcibly().waitFor();

        Process reuser = new ProcessBuilder("python3", "-c", REUSER, Integer.toString(gone.pid())).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(reuser.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("ready", out.readLine());
            ProcessId now = Proc.id(gone.pid()).orElseThrow();
            assertTrue(now.startTime() != gone.startTime(), "the new process has its own start time");

            assertFalse(Signals.kill(gone, Signals.HUP), "the signal for the process that is gone is refused");
            assertTrue(Signals.kill(now, Signals.USR1), "the same pid by its current identity is signalled");
            assertEquals("SIGUSR1", out.readLine(), "only USR1 reached the process that reused the pid");
            assertEquals(0, reuser.waitFor());
        } finally {
            reuser.destroyForcibly();
        }
    }
}
