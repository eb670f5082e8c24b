package dev.fabula.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * bin/fabula as a user runs it, on the jar the package phase built (failsafe runs this after it):
 * it finds the jar, runs on Java 21+, passes the exit code through, and says how to build the jar
 * when there is none.
 */
class LauncherIT {
  private static final Path SCRIPT = Path.of("bin", "fabula");

  record Result(int code, String out, String err) {}

  private static Result bash(Map<String, String> env, String... args) throws IOException, InterruptedException {
    var command = new java.util.ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    var out = p.getInputStream().readAllBytes();
    var err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the launcher ended").isTrue();
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void runsTheBuiltJar() throws Exception {
    Result help = bash(Map.of(), "--help");
    assertThat(help.code()).as(help.err()).isZero();
    assertThat(help.out()).startsWith("Usage: fabula").contains("export", "import", "Exit codes:");

    Result unreachable = bash(Map.of(), "projections", "--console", "http://127.0.0.1:1");
    assertThat(unreachable.code()).as(unreachable.err()).isEqualTo(Exit.UNAVAILABLE);
    assertThat(unreachable.err()).contains("cannot reach the console");

    Result usage = bash(Map.of(), "tail");
    assertThat(usage.code()).isEqualTo(Exit.USAGE);
  }

  @Test
  void saysHowToBuildTheJarWhenThereIsNone() throws Exception {
    Result missing = bash(Map.of("FABULA_CLI_JAR", "/nonexistent/fabula-cli-all.jar"), "--help");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("no jar to run at /nonexistent/fabula-cli-all.jar")
        .contains("./mvnw -pl fabula-cli -am package -DskipTests");
  }
}
