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
  void servesTheConsoleOverAStoreUntilStopped() throws Exception {
    Result refused = bash(Map.of(), "console", "--store", "mongodb://127.0.0.1:1", "--bind", "0.0.0.0");
    assertThat(refused.code()).as(refused.err()).isEqualTo(Exit.REFUSED);

    var server = new de.bwaldvogel.mongo.MongoServer(new de.bwaldvogel.mongo.backend.memory.MemoryBackend());
    java.net.InetSocketAddress at = server.bind();
    ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), "console", "--store",
        "mongodb://" + at.getHostString() + ":" + at.getPort(), "--database", "launcher", "--port", "0");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    try {
      var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String address = lines.readLine();
      assertThat(address).as("the console's address").startsWith("http://127.0.0.1:");
      try (var client = java.net.http.HttpClient.newHttpClient()) {
        var answer = client.send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(address).resolve("api/overview"))
                .timeout(java.time.Duration.ofSeconds(60)).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).contains("\"eventCount\":0");
      }
    } finally {
      p.destroy(); // SIGTERM: the shutdown hook stops the console and closes the store
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the console stopped").isTrue();
      server.shutdownNow();
    }
  }

  @Test
  void saysHowToBuildTheJarWhenThereIsNone() throws Exception {
    Result missing = bash(Map.of("FABULA_CLI_JAR", "/nonexistent/fabula-cli-all.jar"), "--help");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("no jar to run at /nonexistent/fabula-cli-all.jar")
        .contains("./mvnw -pl fabula-cli -am package -DskipTests");
  }
}
