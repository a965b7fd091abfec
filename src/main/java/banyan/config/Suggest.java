package banyan.config;

import java.util.Collection;

/** The nearest valid word to a misspelt one (Levenshtein distance, at most a third of its length). */
public final class Suggest {
    private Suggest() {}

    public static String nearest(String word, Collection<String> valid) {
        String best = null;
        int bestDistance = Math.max(2, word.length() / 3) + 1;
        for (String v : valid) {
            int d = distance(word, v);
            if (d < bestDistance) {
                bestDistance = d;
                best = v;
            }
        }
        return best;
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++)
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
