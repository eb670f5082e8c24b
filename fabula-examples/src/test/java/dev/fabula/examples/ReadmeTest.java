package dev.fabula.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.examples.firstapp.FirstApp;
import dev.fabula.examples.shop.ShopProcesses;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's newcomer path: its code is the code compiled and tested here, its coordinates are the build's. */
class ReadmeTest {
  private static final Path ROOT = Path.of("..");

  @Test
  void theFirstApplicationIsExactlyTheCodeThatCompilesHere() throws Exception {
    assertThat(javaBlockDeclaring("public class FirstApp {"))
        .isEqualTo(read("fabula-examples/src/main/java/dev/fabula/examples/firstapp/FirstApp.java"));
    assertThat(javaBlockDeclaring("class AccountTest {"))
        .isEqualTo(read("fabula-examples/src/test/java/dev/fabula/examples/firstapp/AccountTest.java"));
  }

  @Test
  void theFirstApplicationRuns() throws Exception {
    PrintStream original = System.out;
    var buffer = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      FirstApp.main(new String[0]);
    } finally {
      System.setOut(original);
    }
    assertThat(buffer.toString(StandardCharsets.UTF_8))
        .contains("rejected [account.rule-broken] the balance 7500 is less than 1000000")
        .contains("balance 7500");
  }

  @Test
  void theShopInThreeProcessesIsRunByTheExampleProfileWithItsLauncher() throws Exception {
    assertThat(read("README.md"))
        .contains("\n./mvnw -q -Pexample -Dexample.main=" + ShopProcesses.class.getName()
            + " -pl fabula-examples -am package\n");
    assertThat(read("fabula-examples/pom.xml"))
        .contains("<id>example</id>")
        .contains("<argument>${example.main}</argument>");
  }

  @Test
  void theDependencySectionNamesThisVersionAndModulesOfTheBom() throws Exception {
    String version = firstMatch(read("pom.xml"), "<artifactId>fabula-parent</artifactId>\\s*<version>([^<]+)</version>");
    String bom = read("fabula-bom/pom.xml");
    String block = block("xml", "<artifactId>fabula-bom</artifactId>");
    assertThat(block).contains("<version>" + version + "</version>");
    for (String artifact : all(block, "<artifactId>(fabula-[a-z-]+)</artifactId>")) {
      if (!artifact.equals("fabula-bom")) {
        assertThat(bom).as("the BOM manages " + artifact).contains("<artifactId>" + artifact + "</artifactId>");
      }
    }
  }

  @Test
  void theBomListsEveryPublishedModule() throws Exception {
    String bom = read("fabula-bom/pom.xml");
    List<String> modules = all(read("pom.xml"), "<module>([^<]+)</module>");
    assertThat(modules).contains("fabula-core", "fabula-testing");
    for (String module : modules) {
      String pom = read(module + "/pom.xml");
      boolean published = !pom.contains("<packaging>pom</packaging>")
          && !pom.contains("<fabula.publish.skip>true</fabula.publish.skip>");
      if (published) {
        assertThat(bom).as("the BOM lists the published module " + module).contains("<artifactId>" + module + "</artifactId>");
      }
    }
  }

  private static String read(String path) throws Exception {
    return Files.readString(ROOT.resolve(path));
  }

  private static String javaBlockDeclaring(String declaration) throws Exception {
    return block("java", declaration);
  }

  /** The README's fenced block of {@code language} that contains {@code text}. */
  private static String block(String language, String text) throws Exception {
    String readme = read("README.md");
    String open = "```" + language + "\n";
    for (int start = readme.indexOf(open); start >= 0; start = readme.indexOf(open, start)) {
      start += open.length();
      int end = readme.indexOf("```", start);
      String body = readme.substring(start, end);
      if (body.contains(text)) {
        return body;
      }
      start = end + 3;
    }
    throw new AssertionError("the README has no " + language + " block containing " + text);
  }

  private static String firstMatch(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as(regex).isTrue();
    return m.group(1);
  }

  private static List<String> all(String text, String regex) {
    List<String> found = new ArrayList<>();
    Matcher m = Pattern.compile(regex).matcher(text);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }
}
