package dev.fabula.nats;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The child JVMs of one test ({@code @RegisterExtension}): {@link #start} starts one, and after the
 * test every child still running is killed. The files of their standard error are deleted after a
 * test that passed and kept after one that failed (their paths go to the test's output), so
 * {@code target} does not fill up with them.
 */
final class ChildProcesses implements AfterEachCallback {
  private final List<JvmProcess> started = new ArrayList<>();

  /** Starts {@code main} with {@code args} in a new JVM named {@code name} (see {@link JvmProcess#start}). */
  JvmProcess start(String name, Class<?> main, String... args) {
    JvmProcess p = JvmProcess.start(name, main, args);
    started.add(p);
    return p;
  }

  /**
   * Kills every child still running, for a test's own clean-up that must come after them (a
   * schema or stream they use). {@link #afterEach} does it anyway.
   */
  void killAll() {
    started.forEach(JvmProcess::close);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    killAll();
    boolean failed = context.getExecutionException().isPresent();
    for (JvmProcess p : started) {
      if (failed) {
        System.err.println("kept the standard error of child " + p.name() + ": " + p.stderrFile().toAbsolutePath());
      } else {
        p.deleteStderr();
      }
    }
    started.clear();
  }
}
