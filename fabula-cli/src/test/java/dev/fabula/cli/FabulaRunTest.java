package dev.fabula.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The in-process entry point: exit codes returned, never thrown, and the output flushed. */
class FabulaRunTest {
  @Test
  void returnsTheExitCodeAndFlushesBothStreams() {
    var out = new StringWriter();
    var err = new StringWriter();
    // not auto-flushing: what arrives was flushed by run
    int help = Fabula.run(new String[] {"--help"}, new PrintWriter(out), new PrintWriter(err));
    assertThat(help).isZero();
    assertThat(out.toString()).startsWith("Usage: fabula").contains("console", "Exit codes:");

    var consoleHelp = new StringWriter();
    assertThat(Fabula.run(new String[] {"console", "--help"}, new PrintWriter(consoleHelp), new PrintWriter(err))).isZero();
    assertThat(consoleHelp.toString()).contains("--store=URL", "--schema", "stores/NAME/", "--password-hash");

    var usageErr = new StringWriter();
    int usage = Fabula.run(new String[] {"tail"}, new PrintWriter(new StringWriter()), new PrintWriter(usageErr));
    assertThat(usage).isEqualTo(Exit.USAGE);
    assertThat(usageErr.toString()).contains("--console", "--store");

    var unreachableErr = new StringWriter();
    int unreachable = Fabula.run(new String[] {"projections", "--console", "http://127.0.0.1:1"},
        new PrintWriter(new StringWriter()), new PrintWriter(unreachableErr));
    assertThat(unreachable).isEqualTo(Exit.UNAVAILABLE);
    assertThat(unreachableErr.toString()).contains("cannot reach the console");
  }

  @Test
  void refusesANullArgumentNamingIt() {
    var out = new PrintWriter(new StringWriter());
    assertThatThrownBy(() -> Fabula.run(new String[] {"--help", null}, out, out))
        .isInstanceOf(NullPointerException.class).hasMessage("args[1]");
    assertThatThrownBy(() -> Fabula.run(null, out, out)).hasMessage("args");
    assertThatThrownBy(() -> Fabula.run(new String[0], null, out, out)).hasMessage("in");
  }
}
