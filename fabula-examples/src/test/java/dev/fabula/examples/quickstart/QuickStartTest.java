package dev.fabula.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class QuickStartTest {
  @Test
  void theReadmeShowsExactlyTheCodeThatCompilesHere() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    String source = Files.readString(Path.of("src/main/java/dev/fabula/examples/quickstart/QuickStart.java"));
    int start = readme.indexOf("```java\n") + "```java\n".length();
    int end = readme.indexOf("```", start);
    assertThat(readme.substring(start, end)).isEqualTo(source);
  }

  @Test
  void itRuns() {
    PrintStream original = System.out;
    var buffer = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      QuickStart.main(new String[0]);
    } finally {
      System.setOut(original);
    }
    assertThat(buffer.toString(StandardCharsets.UTF_8)).contains("version 2, price 2499");
  }
}
