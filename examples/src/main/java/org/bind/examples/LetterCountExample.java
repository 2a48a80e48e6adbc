package org.bind.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.bind.Bind;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.Shared;
import org.bind.mapreduce.KVPairs;

/**
 * The MapReduce example of the C++ Bind library, in Java: rank {@code r} (for {@code r < 4}) holds line {@code r}
 * of {@link #TEXT} as its input; a map emits {@code (character, 1)} for every character, a combine adds each
 * rank's ones, and a reduce adds the counts over the ranks, with the implicit shuffle in between. Each rank ends
 * with the characters placed on it; rank 0 gathers them (one {@code Shared<String>} per rank) and prints every
 * character and its count, most frequent first. On two ranks (the first two lines): 31 distinct characters,
 * {@code ' '} 27 times, {@code 'a'} 15, {@code 'i'} 14, {@code 'r'} 12.
 */
public final class LetterCountExample {
    /** The C++ example's input: one line per rank. */
    public static final List<String> TEXT = List.of(
        "Thus the KVPairs framework transforms a list of (key, value) pairs into a list of values.",
        "This behavior is different from the typical functional programming map and reduce combination,",
        "which accepts a list of arbitrary values and returns one single value",
        "that combines all the values returned by map.");

    private LetterCountExample() {
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            Map<Character, Integer> counts = run(bind);
            if (bind.rank() == 0) {
                System.out.println(counts.size() + " distinct characters in " + Math.min(bind.size(), TEXT.size())
                    + " line(s):");
                List<Map.Entry<Character, Integer>> rows = new ArrayList<>(counts.entrySet());
                rows.sort(Map.Entry.<Character, Integer>comparingByValue().reversed()
                    .thenComparing(Map.Entry.comparingByKey()));
                for (Map.Entry<Character, Integer> row : rows) {
                    System.out.println("'" + row.getKey() + "' " + row.getValue());
                }
            }
        }
    }

    /** This rank's characters and their counts over the job. Program thread; collective. */
    public static Map<Character, List<Integer>> countOnThisRank(Bind bind) {
        Map<Integer, List<String>> input = bind.rank() < TEXT.size()
            ? Map.of(bind.rank(), List.of(TEXT.get(bind.rank()))) : Map.of();
        return KVPairs.of(bind, input, Integer.class, String.class)
            .map(Character.class, Integer.class, (line, texts, out) -> {
                for (String text : texts) {
                    for (char c : text.toCharArray()) {
                        out.emit(c, 1);
                    }
                }
            })
            .combine(Character.class, Integer.class, (c, ones, out) -> out.emit(c, ones.size()))
            .reduce(Character.class, Integer.class, (c, partial, out) -> {
                int sum = 0;
                for (int count : partial) {
                    sum += count;
                }
                out.emit(c, sum);
            })
            .local();
    }

    /** Every character and its count, gathered from all ranks; the same on every rank. */
    public static Map<Character, Integer> run(Bind bind) {
        Map<Character, List<Integer>> mine = countOnThisRank(bind);
        StringBuilder text = new StringBuilder();
        mine.forEach((c, count) -> text.append(c).append(count.get(0)).append('\n'));
        @SuppressWarnings("unchecked")
        Shared<String>[] shared = new Shared[bind.size()];
        for (int r = 0; r < bind.size(); r++) {
            shared[r] = Shared.of("");
            try (Scope s = bind.on(r)) {
                publish(shared[r], text.toString());
            }
        }
        bind.sync();
        Map<Character, Integer> all = new TreeMap<>();
        for (Shared<String> rank : shared) {
            for (String row : rank.get().split("\n")) {
                if (!row.isEmpty()) {
                    all.put(row.charAt(0), Integer.parseInt(row.substring(1)));
                }
            }
        }
        return all;
    }

    @Op
    static void publish(@Out Shared<String> summary, String text) {
        summary.set(text);
    }
}
