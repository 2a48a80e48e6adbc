package org.bind.multi;

import org.bind.Bind;
import org.bind.dag.Counters;

/** The transfer counters of one rank, and differences of them. */
record Traffic(long versionsSent, long versionsReceived, long bytesSent, long bytesReceived, long framesDropped) {

    static Traffic of(Bind bind) {
        Counters c = bind.counters();
        return new Traffic(c.versionsSent(), c.versionsReceived(), c.bytesSent(), c.bytesReceived(),
            c.framesDropped());
    }

    Traffic minus(Traffic before) {
        return new Traffic(versionsSent - before.versionsSent, versionsReceived - before.versionsReceived,
            bytesSent - before.bytesSent, bytesReceived - before.bytesReceived, framesDropped - before.framesDropped);
    }

    static long sumSent(PerRank<Traffic> traffic) {
        long sum = 0;
        for (int r = 0; r < traffic.ranks(); r++) {
            sum += traffic.get(r).versionsSent();
        }
        return sum;
    }

    static long sumReceived(PerRank<Traffic> traffic) {
        long sum = 0;
        for (int r = 0; r < traffic.ranks(); r++) {
            sum += traffic.get(r).versionsReceived();
        }
        return sum;
    }

    static String describe(PerRank<Traffic> traffic) {
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < traffic.ranks(); r++) {
            b.append("\n  rank ").append(r).append(": ").append(traffic.get(r));
        }
        return b.toString();
    }
}
