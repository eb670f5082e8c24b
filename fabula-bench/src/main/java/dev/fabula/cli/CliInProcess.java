package dev.fabula.cli;

import java.io.InputStream;
import java.io.PrintWriter;

/**
 * Runs the {@code fabula} command line in the benchmark's JVM, over given streams, exactly as
 * {@link Fabula#main} configures it but without exiting. It lives in the CLI's package (on the
 * benchmark jar's class path only) because the CLI offers no in-process entry point of its own.
 */
public final class CliInProcess {
    private CliInProcess() {
    }

    /**
     * Runs {@code args} and returns the exit code.
     *
     * @param in   standard input
     * @param out  standard output
     * @param err  standard error
     * @param args the command line, e.g. {@code export --store URL --schema NAME}
     * @return the exit code ({@code 0} on success)
     */
    public static int execute(InputStream in, PrintWriter out, PrintWriter err, String... args) {
        return Fabula.commandLine(in, out, err).execute(args);
    }
}
