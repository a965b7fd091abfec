package banyan.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.SequencedSet;

/**
 * The files a program needs to run: its program interpreter and the shared libraries it loads,
 * transitively, read from the ELF headers (PT_INTERP, DT_NEEDED, DT_RUNPATH/DT_RPATH) rather than
 * by running `ldd`, which runs the loader on the file. Libraries are looked for where the loader
 * looks when it has no ld.so.cache (the core has none): the run paths, then the default directories.
 */
final class ElfDeps {
    private ElfDeps() {}

    static final List<String> DEFAULT_DIRS = List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
            "/lib", "/usr/lib");
    private static final int PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3;
    private static final long DT_NEEDED = 1, DT_STRTAB = 5, DT_RPATH = 15, DT_RUNPATH = 29;

    /** A library that was not found: who needs it and where it was looked for. */
    static final class Missing extends Exception {
        Missing(String message) {
            super(message);
        }
    }

    /** What an ELF file names: its interpreter (if any), needed libraries and run paths. Empty when it is not a 64-bit ELF. */
    record Elf(Optional<String> interp, List<String> needed, List<String> runPaths) {}

    /** program's interpreter and libraries, transitively, as absolute paths (program itself left out); none for a static or non-ELF file. */
    static SequencedSet<String> of(Path program) throws IOException, Missing {
        SequencedSet<String> out = new LinkedHashSet<>();
        Deque<Path> todo = new ArrayDeque<>(List.of(program));
        while (!todo.isEmpty()) {
            Path file = todo.pop();
            Optional<Elf> elf = read(file);
            if (elf.isEmpty()) continue;
            elf.get().interp().ifPresent(i -> {
                if (out.add(i)) todo.push(Path.of(i));
            });
            for (String lib : elf.get().needed()) {
                String found = find(lib, file, elf.get().runPaths());
                if (found == null)
                    throw new Missing("library " + lib + " needed by " + file + " is not in " + String.join(", ", searched(file, elf.get().runPaths())));
                if (out.add(found)) todo.push(Path.of(found));
            }
        }
        return out;
    }

    private static String find(String lib, Path file, List<String> runPaths) {
        if (lib.contains("/")) return Files.isRegularFile(Path.of(lib)) ? lib : null;
        for (String dir : searched(file, runPaths)) {
            Path p = Path.of(dir, lib);
            if (Files.isRegularFile(p)) return p.toString();
        }
        return null;
    }

    private static List<String> searched(Path file, List<String> runPaths) {
        String origin = file.toAbsolutePath().getParent().toString();
        List<String> dirs = new ArrayList<>();
        for (String r : runPaths)
            for (String d : r.split(":"))
                if (!d.isEmpty()) dirs.add(d.replace("${ORIGIN}", origin).replace("$ORIGIN", origin));
        dirs.addAll(DEFAULT_DIRS);
        return dirs;
    }

    /** The ELF header, program headers and dynamic section of file; empty when it is no little-endian 64-bit ELF. */
    static Optional<Elf> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer h = at(ch, 0, 64);
            if (h.limit() < 64 || h.getInt(0) != 0x464c457f || h.get(4) != 2 || h.get(5) != 1) return Optional.empty();
            long phoff = h.getLong(0x20);
            int phentsize = Short.toUnsignedInt(h.getShort(0x36)), phnum = Short.toUnsignedInt(h.getShort(0x38));
            if (phentsize < 56 || phnum > 4096) return Optional.empty();
            ByteBuffer ph = at(ch, phoff, phentsize * phnum);
            Optional<String> interp = Optional.empty();
            long dynOff = -1, dynSize = 0;
            List<long[]> loads = new ArrayList<>(); // vaddr, offset, filesz
            for (int i = 0; i + 1 <= phnum && (i + 1) * phentsize <= ph.limit(); i++) {
                int b = i * phentsize;
                int type = ph.getInt(b);
                long off = ph.getLong(b + 8), vaddr = ph.getLong(b + 16), filesz = ph.getLong(b + 32);
                if (type == PT_INTERP) interp = Optional.of(cString(at(ch, off, (int) Math.min(filesz, 4096)), 0));
                else if (type == PT_DYNAMIC) {
                    dynOff = off;
                    dynSize = filesz;
                } else if (type == PT_LOAD) loads.add(new long[]{vaddr, off, filesz});
            }
            if (dynOff < 0) return Optional.of(new Elf(interp, List.of(), List.of()));
            ByteBuffer dyn = at(ch, dynOff, (int) Math.min(dynSize, 1 << 20));
            long strtab = -1;
            List<Long> needed = new ArrayList<>(), paths = new ArrayList<>();
            for (int b = 0; b + 16 <= dyn.limit(); b += 16) {
                long tag = dyn.getLong(b), val = dyn.getLong(b + 8);
                if (tag == 0) break;
                if (tag == DT_NEEDED) needed.add(val);
                else if (tag == DT_STRTAB) strtab = val;
                else if (tag == DT_RUNPATH || tag == DT_RPATH) paths.add(val);
            }
            if (strtab < 0) return Optional.of(new Elf(interp, List.of(), List.of()));
            long strOff = -1;
            for (long[] l : loads) if (strtab >= l[0] && strtab < l[0] + l[2]) strOff = strtab - l[0] + l[1];
            if (strOff < 0) throw new IOException(file + ": its string table is outside the file");
            return Optional.of(new Elf(interp, strings(ch, strOff, needed), strings(ch, strOff, paths)));
        }
    }

    private static List<String> strings(FileChannel ch, long base, List<Long> offsets) throws IOException {
        List<String> out = new ArrayList<>();
        for (long o : offsets) out.add(cString(at(ch, base + o, 4096), 0));
        return out;
    }

    private static ByteBuffer at(FileChannel ch, long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.max(0, len)).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, pos + b.position()) > 0) { }
        return b.flip();
    }

    private static String cString(ByteBuffer b, int from) {
        int end = from;
        while (end < b.limit() && b.get(end) != 0) end++;
        byte[] bytes = new byte[end - from];
        b.get(from, bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
}
