package banyan.cli;

import java.util.List;

/** The plain tables of status, roots, vars and sessions: columns padded to their widest cell, two spaces apart. */
final class Table {
    private Table() {}

    /** rows[0] is the header; the last column is not padded, and no line ends in spaces. */
    static String of(List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] row : rows) for (int i = 0; i < columns - 1; i++) width[i] = Math.max(width[i], row[i].length());
        StringBuilder b = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            // padded by hand: String.format would load java.util.Formatter and regex on every call of the command
            for (int i = 0; i < columns - 1; i++) line.append(row[i]).repeat(' ', width[i] - row[i].length() + 2);
            b.append(line.append(row[columns - 1]).toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }
}
