package org.bind.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import org.bind.Bind;
import org.bind.examples.SortExample;

/**
 * One rank of the Bind side of {@link SortBenchmark}: the {@code sort} example's run ({@link SortExample#run}:
 * generate this rank's share, warm up, timed {@code Sort.ints} calls between two syncs, check), then rank 0
 * prints {@code SORT_RESULT system=bind seconds=<each timed sort> check=<ok or the failure> slices=<lengths>}.
 * Arguments: the {@code sort} example's options.
 */
public final class SortRank {
    private SortRank() {
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            SortExample.Result result = SortExample.run(bind, SortExample.Params.parse(bind.args()));
            if (bind.rank() == 0) {
                System.out.println("SORT_RESULT system=bind seconds=" + Arrays.stream(result.seconds())
                    .mapToObj(s -> String.format(Locale.ROOT, "%.6f", s)).collect(Collectors.joining(","))
                    + " check=" + result.check().replace(' ', '_') + " slices="
                    + Arrays.stream(result.sliceLengths()).mapToObj(Long::toString).collect(Collectors.joining(",")));
            }
        }
    }
}
