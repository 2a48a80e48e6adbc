package org.bind.schedule;

import java.util.concurrent.ForkJoinTask;

/** A test task with no result: only {@link #exec} to write. */
abstract class VoidTask extends ForkJoinTask<Void> {
    private static final long serialVersionUID = 1L;

    @Override
    public final Void getRawResult() {
        return null;
    }

    @Override
    protected final void setRawResult(Void value) {
    }
}
