package banyan.roots;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static banyan.roots.RootsHarness.*;
import static banyan.roots.SshfsIT.*;

/**
 * Debian's sshd in a network namespace of the test's own, joined by a veth pair to a second one
 * where sshfs runs; the addresses (10.77.0.1 and .2) exist only inside the two namespaces.
 */
final class SshServer implements AutoCloseable {
    final String clientNs, serverNs;
    private final Path ssh;
    private final List<Child> started = new ArrayList<>();

    SshServer(Path dir) throws Exception {
        ssh = Files.createDirectories(dir.resolve("ssh"));
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ssh.resolve("host").toString());
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ssh.resolve("client").toString());
        Files.copy(ssh.resolve("client.pub"), ssh.resolve("authorized_keys"));
        // Two network namespaces, held by a sleep each, joined by a veth pair made inside them.
        Child client = start(dir, "unshare", "--net", "sleep", "infinity"), server = start(dir, "unshare", "--net", "sleep", "infinity");
        clientNs = "/proc/" + client.pid() + "/ns/net";
        serverNs = "/proc/" + server.pid() + "/ns/net";
        await("the namespaces", () -> !link(clientNs).equals(link("/proc/self/ns/net")) && !link(serverNs).equals(link("/proc/self/ns/net")));
        String suffix = Long.toString(ProcessHandle.current().pid() % 100000);
        run("ip", "link", "add", "bc" + suffix, "netns", Integer.toString(client.pid()), "type", "veth", "peer", "name", "bs" + suffix,
                "netns", Integer.toString(server.pid()));
        run("nsenter", "--net=" + clientNs, "sh", "-c", "ip addr add 10.77.0.1/24 dev bc" + suffix + " && ip link set bc" + suffix + " up");
        run("nsenter", "--net=" + serverNs, "sh", "-c", "ip addr add 10.77.0.2/24 dev bs" + suffix + " && ip link set bs" + suffix + " up");
        Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege separation directory
        Path sshdLog = dir.resolve("sshd.log");
        started.add(RootsHarness.spawn(sshdLog, "nsenter", "--net=" + serverNs, "/usr/sbin/sshd", "-D", "-e", "-f", "/dev/null",
                "-o", "HostKey=" + ssh.resolve("host"), "-o", "AuthorizedKeysFile=" + ssh.resolve("authorized_keys"), "-o", "StrictModes=no",
                "-o", "PermitRootLogin=yes", "-o", "ListenAddress=10.77.0.2", "-o", "PidFile=none", "-o", "Subsystem sftp internal-sftp"));
        await("sshd listening", () -> read(sshdLog).contains("Server listening on 10.77.0.2"));
    }

    /** A source's command, as TOML: sshfs in the client's namespace, serving path of the server, in the foreground. */
    String sshfs(Path path) {
        return """
                ["nsenter", "--net=%s", "sshfs", "-f", "-F", "/dev/null", "-o",
                 "IdentityFile=%s,StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,BatchMode=yes", "root@10.77.0.2:%s", "{target}"]
                """.formatted(clientNs, ssh.resolve("client"), path).strip();
    }

    /** The whole server (sshd and its sessions) stops or goes on. */
    void freeze() throws Exception {
        signalAll(serverNs, "STOP");
    }

    void thaw() throws Exception {
        signalAll(serverNs, "CONT");
    }

    private Child start(Path dir, String... argv) throws Exception {
        Child c = RootsHarness.spawn(dir.resolve("holder-" + System.nanoTime() + ".out"), argv);
        started.add(c);
        return c;
    }

    /** Thaws the server, then kills it, its sessions and the namespaces' holders. */
    @Override
    public void close() throws Exception {
        thaw();
        signalAll(serverNs, "KILL");
        for (Child c : started) {
            c.signal(banyan.os.Signals.KILL);
            c.await(java.time.Duration.ofSeconds(10));
        }
    }
}
