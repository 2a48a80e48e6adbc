package org.bind.mpi.mpj;

import org.bind.Bind;

/**
 * For the early-failure tests under plain {@code mpjrun}: rank 1 fails before its first {@code sync()}, as its last
 * argument says: {@code before-init} (main throws before {@code Bind.init}), {@code in-init} (its Aeron endpoint
 * cannot be made: an address that does not resolve), {@code after-init} (main throws between {@code Bind.init} and
 * the first {@code sync()}). The other ranks call {@code sync()} and print what they saw. MPJ passes its own
 * arguments first: the rank is the first.
 */
public final class MpjEarlyFailureMain {
    private MpjEarlyFailureMain() {
    }

    public static void main(String[] args) {
        String mode = args[args.length - 1];
        boolean victim = args[0].equals("1");
        if (victim && mode.equals("before-init")) {
            throw new IllegalStateException("rank 1 fails before Bind.init");
        }
        if (victim && mode.equals("in-init")) {
            System.setProperty(AeronOverMpj.ADDRESS_PROP_NAME, "no-such-host.invalid");
        }
        try (Bind bind = Bind.init(args)) {
            if (victim && mode.equals("after-init")) {
                throw new IllegalStateException("rank 1 fails after Bind.init");
            }
            bind.sync();
            System.out.println("bind-mpj rank " + bind.rank() + " sync returned");
        }
    }
}
