package banyan.os;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * /proc/PID/stat as the kernel writes it. Stage 4 must tell kernel threads from processes, or on
 * a machine it waits out the grace time and the SIGKILL limit at every shutdown (as a VM boot showed).
 */
class ProcStatTest {
    @Test
    void kthreaddIsAKernelThread() {
        assertTrue(ProcStat.parse("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 1 0 0 20 0 1 0 25 0 0 18446744073709551615 0 0 0 0").kernelThread());
        assertTrue(ProcStat.parse("15 (ksoftirqd/0) S 2 0 0 0 -1 69238848 0 0 0 0 0 0 0 0 20 0 1 0 3 0 0").kernelThread());
    }

    @Test
    void aProcessIsNotEvenWithParenthesesAndSpacesInItsName() {
        assertFalse(ProcStat.parse("17606 (cat) R 17456 17456 6989 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 1097821").kernelThread());
        ProcStat odd = ProcStat.parse("42 (a) S 2 (b) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 1097822 0 0");
        assertFalse(odd.kernelThread());
        assertEquals(new ProcStat(42, 1, 42, 4194560, 1097822), odd);
        // a process whose parent is PID 2: in a container, PID 2 is no kthreadd
        assertFalse(ProcStat.parse("43 (sh) S 2 43 43 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 1097821").kernelThread());
    }

    @Test
    void ourOwnStatMatchesWhatTheJdkKnows() {
        ProcStat self = ProcStat.of(Proc.pid()).orElseThrow();
        assertEquals(ProcessHandle.current().parent().orElseThrow().pid(), self.ppid());
        assertTrue(self.startTime() > 0);
    }
}
