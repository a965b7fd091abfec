package banyan.supervise;

import banyan.TestHost;
import banyan.config.ServiceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The sd_notify clients people use, as Debian ships them: systemd-notify, and the protocol by hand
 * in Python. (s6's fd protocol is in ReadinessIT; s6-notifyoncheck refuses to run outside s6-supervise.)
 */
class NotifyClientsIT {
    @TempDir
    Path dir;
    final TestHost t = new TestHost();
    final List<Supervisor> started = new ArrayList<>();

    Supervisor supervise(String toml) throws Exception {
        ServiceConfig c = TestHost.config(dir, toml).services().firstEntry().getValue();
        Supervisor s = new Supervisor(c, t.host).open();
        started.add(s);
        s.start();
        return s;
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Supervisor s : started) {
            s.stop();
            assertTrue(s.await(st -> st.state() == ServiceState.DOWN || st.state() == ServiceState.FAILED, Duration.ofSeconds(15)), s.name() + " stops");
            s.close();
        }
    }

    String line(String prefix) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            for (String l : t.lines) if (l.contains(prefix)) return l;
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000); // lines come from another thread: nothing to block on
        }
        throw new AssertionError("no line with '" + prefix + "' in " + t.lines);
    }

    /** systemd-notify sends BARRIER=1 with an fd and waits until the manager closes it; it fails after 5 s otherwise. */
    @Test
    void systemdNotifyReadyAndStatusPassTheBarrier() throws Exception {
        Supervisor s = supervise("""
                [service.sdn]
                command = "systemd-notify --ready --status='all set' 2>&1; echo notify-exit=$?; exec sleep 1000"
                ready = { notify = true }
                """);
        assertEquals("sdn: notify-exit=0", line("notify-exit="), "systemd-notify succeeded: " + t.lines);
        assertTrue(s.await(st -> st.state() == ServiceState.UP, Duration.ofSeconds(10)), s.status().toString());
        assertEquals("all set", s.status().statusText());
        assertTrue(t.lines.stream().noneMatch(l -> l.contains("barrier")), "no barrier failure: " + t.lines);
    }

    @Test
    void systemdNotifyWithPidOfTheMainProcess() throws Exception {
        Supervisor s = supervise("""
                [service.sdnpid]
                command = "systemd-notify --pid=$$ --ready 2>&1; echo notify-exit=$?; exec sleep 1000"
                ready = { notify = true }
                """);
        assertEquals("sdnpid: notify-exit=0", line("notify-exit="), t.lines.toString());
        assertTrue(s.await(st -> st.state() == ServiceState.UP, Duration.ofSeconds(10)), s.status().toString());
    }

    /** sd_notify by hand, with fds attached to every datagram: banyan closes each of them, none leaks. */
    @Test
    void fdsSentWithNotificationsAreClosed() throws Exception {
        String client = """
                import os,socket
                addr=os.environ['NOTIFY_SOCKET']; addr='\\0'+addr[1:] if addr.startswith('@') else addr
                s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)
                r,w=os.pipe()
                for i in range(200):
                  s.sendmsg([b'STATUS=sending %d' % i],[(socket.SOL_SOCKET,socket.SCM_RIGHTS,bytes(__import__('array').array('i',[r,w])))],0,addr)
                s.sendmsg([b'READY=1\\nSTATUS=sent'],[],0,addr)
                os.close(w)
                print('eof' if os.read(r,1)==b'' else 'open',flush=True)
                os.execvp('sleep',['sleep','1000'])
                """;
        Files.writeString(dir.resolve("client.py"), client);
        int before = openFds();
        Supervisor s = supervise("""
                [service.byhand]
                command = ["python3", "%s"]
                ready = { notify = true }
                """.formatted(dir.resolve("client.py")));
        assertTrue(s.await(st -> st.state() == ServiceState.UP && st.statusText().equals("sent"), Duration.ofSeconds(10)), s.status().toString());
        // banyan holds no copy of the pipe's write end: the client sees end of file
        assertEquals("byhand: eof", line("byhand: "), t.lines.toString());
        int after = openFds();
        assertTrue(after - before < 50, "400 fds were sent; banyan's open fds went from " + before + " to " + after);
    }

    /**
     * 100,000 datagrams as fast as a client can send them: banyan reads at most Notices.MAX ahead of
     * the service thread, so the client's sendmsg waits on the full socket; none is lost, the last
     * STATUS wins, and the service answers a stop as usual.
     */
    @Test
    void aFloodOfNotificationsIsReadInOrderAndLosesNone() throws Exception {
        String client = """
                import os,socket
                addr=os.environ['NOTIFY_SOCKET']; addr='\\0'+addr[1:] if addr.startswith('@') else addr
                s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)
                s.connect(addr)
                for i in range(100000):
                  s.send(b'STATUS=%d' % i)
                s.send(b'READY=1')
                s.send(b'STATUS=done')
                print('sent',flush=True)
                os.execvp('sleep',['sleep','1000'])
                """;
        Files.writeString(dir.resolve("flood.py"), client);
        Supervisor s = supervise("""
                [service.flood]
                command = ["python3", "%s"]
                ready = { notify = true, timeout = "60s" }
                """.formatted(dir.resolve("flood.py")));
        assertTrue(s.await(st -> st.state() == ServiceState.UP && st.statusText().equals("done"), Duration.ofSeconds(60)), s.status().toString());
        assertEquals("flood: sent", line("flood: "), t.lines.toString());
        long began = System.nanoTime();
        s.stop();
        assertTrue(s.await(st -> st.state() == ServiceState.DOWN, Duration.ofSeconds(10)), s.status().toString());
        System.out.println("notify flood: 100000 datagrams read, stop took " + (System.nanoTime() - began) / 1_000_000 + " ms");
    }

    private static int openFds() throws java.io.IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }
}
