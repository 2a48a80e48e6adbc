package org.bind.dag;

import java.util.List;

import org.bind.OpFailedException;
import org.bind.intercept.OpMethod;
import org.bind.version.Failure;
import org.bind.version.Tracked;
import org.bind.version.Version;

/** A job of one rank: every op runs here, nothing travels, a sync is local. */
final class SingleRank implements Distribution {
    @Override
    public void heldEverywhere(Version version) {
    }

    @Override
    public boolean logOp(OpMethod method, int where, Tracked[] objects, Access[] access, int count) {
        return true;
    }

    @Override
    public void onRead(Version input, int where) {
    }

    @Override
    public void onWrite(Version output, Tracked object, int where) {
    }

    @Override
    public void replicate(Tracked[] objects, int where) {
    }

    @Override
    public void awaitReadable(Version latest, String name) {
        latest.await();
    }

    @Override
    public void whileWindowFull() {
    }

    @Override
    public void whileQuiescing() {
    }

    @Override
    public void abandon(String reason) {
    }

    @Override
    public void announceFailure(Failure failure, long sequence) {
    }

    @Override
    public OpFailedException agree(long epoch, List<FailureLedger.Recorded> local, boolean closing) {
        return local.isEmpty() ? null : FailureLedger.failedOps(local.stream().map(FailureLedger.Recorded::failure)
            .toList());
    }

    @Override
    public boolean peerGone() {
        return false;
    }

    @Override
    public void lastWord(long epoch, String reason) {
    }

    @Override
    public void close() {
    }

    @Override
    public Transfers transfers() {
        return Transfers.NONE;
    }
}
