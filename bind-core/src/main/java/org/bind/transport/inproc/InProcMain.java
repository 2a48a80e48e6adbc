package org.bind.transport.inproc;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;

/**
 * {@code bin/bindrun --transport inproc}: runs a program's {@code main} on N ranks as threads of this JVM, each
 * rank's classes in its own class loader.
 *
 * <pre>InProcMain -np N [--tag-output] -cp CLASSPATH MainClass [args...]</pre>
 *
 * Exits 0 when every rank finished, 1 when a rank failed (each failure printed), 2 on bad arguments.
 */
public final class InProcMain {
    private InProcMain() {
    }

    public static void main(String[] args) {
        int ranks = 1;
        boolean tagOutput = false;
        String classpath = null;
        int at = 0;
        try {
            while (at < args.length && args[at].startsWith("-")) {
                switch (args[at]) {
                    case "-np" -> ranks = Integer.parseInt(args[++at]);
                    case "-cp" -> classpath = args[++at];
                    case "--tag-output" -> tagOutput = true;
                    default -> throw new IllegalArgumentException("unknown option " + args[at]);
                }
                at++;
            }
            if (at >= args.length || classpath == null || ranks < 1) {
                throw new IllegalArgumentException("need -np N (>= 1), -cp CLASSPATH and a main class");
            }
        } catch (RuntimeException e) {
            System.err.println("bind inproc: " + e.getMessage() + "\nusage: InProcMain -np N [--tag-output] -cp CLASSPATH Main [args]");
            System.exit(2);
            return;
        }
        if (tagOutput) {
            System.setOut(RankTaggedStream.wrap(System.out));
            System.setErr(RankTaggedStream.wrap(System.err));
        }
        String mainClass = args[at];
        String[] programArgs = Arrays.copyOfRange(args, at + 1, args.length);
        try {
            InProcJob.runMain(ranks, urls(classpath), mainClass, programArgs, Bind.Context::new,
                Long.getLong("bind.inproc.timeout.s", 7L * 24 * 3600), TimeUnit.SECONDS);
        } catch (InProcJob.JobFailedException e) {
            e.failures().forEach((rank, error) -> {
                System.err.println("bind: rank " + rank + " failed: " + error);
                error.printStackTrace();
            });
            System.exit(1);
        } catch (RuntimeException e) {
            System.err.println("bind: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    private static URL[] urls(String classpath) {
        List<URL> urls = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            try {
                urls.add(new File(entry).toURI().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("bad classpath entry " + entry + ": " + e.getMessage());
            }
        }
        return urls.toArray(new URL[0]);
    }
}
