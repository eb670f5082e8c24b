package dev.fabula.cli;

import java.io.PrintWriter;

/**
 * A progress bar on standard error, redrawn in place at most ten times a second; invisible unless
 * enabled (stderr is a terminal, as the launcher tells, or {@code --progress} was given), so that
 * logs and pipes never see it.
 */
final class Progress implements AutoCloseable {
  private static final int WIDTH = 30;
  private static final long INTERVAL_NANOS = 100_000_000L;

  private final PrintWriter err;
  private final boolean enabled;
  private final String label;
  private long total;
  private long done;
  private long drawnAt;
  private boolean drawn;

  Progress(PrintWriter err, boolean enabled, String label, long total) {
    this.err = err;
    this.enabled = enabled;
    this.label = label;
    this.total = total;
  }

  /** Sets how far the work is, out of {@code total} (0 or less: unknown, a count is shown). */
  void update(long doneNow, long totalNow) {
    this.done = doneNow;
    this.total = totalNow;
    long now = System.nanoTime();
    if (enabled && (!drawn || now - drawnAt >= INTERVAL_NANOS)) {
      draw();
      drawnAt = now;
    }
  }

  void update(long doneNow) {
    update(doneNow, total);
  }

  /** The bar as it is drawn (without the carriage return). */
  String render() {
    if (total <= 0) {
      return label + " " + done;
    }
    double ratio = Math.max(0, Math.min(1, (double) done / total));
    int filled = (int) Math.round(ratio * WIDTH);
    return label + " [" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] "
        + String.format("%3d%%", (int) Math.floor(ratio * 100)) + " " + done + "/" + total;
  }

  private void draw() {
    err.print("\r" + render());
    err.flush();
    drawn = true;
  }

  /** Draws the final state and ends the line, if the bar was shown. */
  @Override
  public void close() {
    if (enabled) {
      draw();
      err.println();
      err.flush();
    }
  }
}
