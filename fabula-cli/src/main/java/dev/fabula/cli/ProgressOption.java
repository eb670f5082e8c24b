package dev.fabula.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** {@code --progress}: shows progress bars even when standard error is not a terminal. */
final class ProgressOption {
  /** Set by bin/fabula when standard error is a terminal. */
  static final String TTY_PROPERTY = "fabula.stderr.tty";

  @Option(names = "--progress", description = "Show progress bars on stderr even when it is not a terminal.")
  boolean progress;

  Progress bar(PrintWriter err, String label, long total) {
    return new Progress(err, progress || "true".equals(System.getProperty(TTY_PROPERTY)), label, total);
  }
}
