package banyan.imports;

import org.ini4j.Config;
import org.ini4j.InvalidFileFormatException;
import org.ini4j.spi.IniHandler;
import org.ini4j.spi.IniParser;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An INI file read as Python's configparser reads supervisord.conf: ini4j parses sections and
 * options; first, as configparser does and ini4j does not, inline comments (`;` or `#` after
 * whitespace) are cut and indented continuation lines are joined to their option. Every section
 * and option keeps the line it came from.
 */
final class IniFile {
    private IniFile() {}

    record Option(String name, String value, Path file, int line) {}

    record Section(String name, Path file, int line, Map<String, Option> options) {}

    static List<Section> parse(Path file, String text) throws ImportException {
        String[] raw = text.split("\r?\n", -1);
        String[] lines = new String[raw.length];
        List<Integer> content = new ArrayList<>(); // the line of each section header and option, in order
        int indent = 0, option = -1;
        for (int i = 0; i < raw.length; i++) {
            lines[i] = "";
            String line = raw[i];
            int cut = commentStart(line);
            String value = line.substring(0, cut).strip();
            if (value.isEmpty()) continue;
            int at = 0;
            while (at < line.length() && Character.isWhitespace(line.charAt(at))) at++;
            if (option >= 0 && at > indent) { // a continuation of the value above
                lines[option] = lines[option] + " " + value;
                continue;
            }
            indent = at;
            option = value.startsWith("[") ? -1 : i;
            lines[i] = value;
            content.add(i + 1);
        }
        List<Section> sections = new ArrayList<>();
        Handler h = new Handler(file, content, sections);
        Config config = new Config();
        config.setEscape(false);
        config.setEscapeNewline(false);
        config.setMultiOption(true);
        config.setMultiSection(true);
        config.setGlobalSection(false);
        config.setEmptyOption(false);
        config.setInclude(false);
        try {
            IniParser.newInstance(config).parse(new StringReader(String.join("\n", lines)), h);
        } catch (InvalidFileFormatException e) {
            String m = e.getMessage() == null ? "" : e.getMessage();
            var match = java.util.regex.Pattern.compile("at line: (\\d+)\\): (.*)").matcher(m);
            if (match.find()) throw new ImportException(file, Integer.parseInt(match.group(1)),
                    "not INI: '" + match.group(2) + "' (a line must be a [section], a key = value, or a ; comment)");
            throw new ImportException(file, 0, "not INI: " + m);
        } catch (IOException e) {
            throw new ImportException(file, 0, "cannot read: " + e.getMessage());
        }
        return sections;
    }

    /** Where a comment starts: a line that starts with ; or #, or either after whitespace (configparser's inline_comment_prefixes). */
    private static int commentStart(String line) {
        String s = line.strip();
        if (s.startsWith(";") || s.startsWith("#")) return 0;
        for (int i = 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if ((c == ';' || c == '#') && Character.isWhitespace(line.charAt(i - 1))) return i;
        }
        return line.length();
    }

    /** ini4j's events, each given the line it came from: the k-th section or option is the k-th content line. */
    private static final class Handler implements IniHandler {
        private final Path file;
        private final List<Integer> content;
        private final List<Section> sections;
        private int next;

        Handler(Path file, List<Integer> content, List<Section> sections) {
            this.file = file;
            this.content = content;
            this.sections = sections;
        }

        private int line() {
            return next < content.size() ? content.get(next++) : 0;
        }

        @Override
        public void startSection(String name) {
            sections.add(new Section(name, file, line(), new LinkedHashMap<>()));
        }

        @Override
        public void handleOption(String name, String value) {
            String key = name.toLowerCase(Locale.ROOT); // configparser's optionxform
            sections.getLast().options().put(key, new Option(key, value == null ? "" : value, file, line()));
        }

        @Override
        public void startIni() {}

        @Override
        public void endIni() {}

        @Override
        public void endSection() {}

        @Override
        public void handleComment(String comment) {}
    }
}
