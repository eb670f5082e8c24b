package dev.fabula.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example runs on the module path as well as on the class path (where this module's tests and
 * the README's command run it): a child JVM starts it as {@code --module
 * dev.fabula.examples/...} with only the modules it requires on its module path, so the module
 * descriptors, the SPI's qualified exports and the packages opened to Jackson (the shop's
 * commands, and the command protocol's records, travel as JSON) all take part.
 */
class ModulePathTest {
  private static final String MODULE = "dev.fabula.examples";

  @Test
  void theShopExampleRunsAsAModule(@TempDir Path dir) throws Exception {
    assertThat(runAsModule("dev.fabula.examples.shop.ShopExample", dir))
        .contains("== Fabula shop example (in-memory store) ==")
        .contains("created   Wireless Mouse at")
        .contains("renamed   to Wireless Mouse M2 (version 3)")
        .contains("rejected  product.change-price ChangePrice[newPriceCents=-100]")
        .contains("All 4 events were also published on the event bus.")
        .doesNotContain("Exception");
  }

  /**
   * The payments example reads its old events through Jackson even in memory (the old record is
   * encoded, upcast as a tree and decoded as today's record), which its opened package allows.
   */
  @Test
  void thePaymentsExampleRunsAsAModule(@TempDir Path dir) throws Exception {
    assertThat(runAsModule("dev.fabula.examples.payments.PaymentsExample", dir))
        .contains("== Fabula payments example (in-memory store) ==")
        .contains("read as:    PaymentProcessed PaymentProcessed[paymentId=")
        .contains("statistics unchanged.")
        .doesNotContain("Exception");
  }

  /** Runs {@code mainClass} of this module in a child JVM, in memory, and returns what it printed. */
  private static String runAsModule(String mainClass, Path dir) throws Exception {
    String modulePath =
        modulesRequiredBy(MODULE).stream()
            .map(Path::toString)
            .collect(Collectors.joining(File.pathSeparator));
    String java = ProcessHandle.current().info().command().orElse("java");
    Path output = dir.resolve("output.txt");
    var process =
        new ProcessBuilder(java, "--module-path", modulePath, "--module", MODULE + "/" + mainClass);
    process.environment().remove("FABULA_STORE"); // in memory: no database needed
    process.redirectErrorStream(true).redirectOutput(output.toFile());
    Process child = process.start();
    boolean exited = child.waitFor(2, TimeUnit.MINUTES);
    if (!exited) {
      child.destroyForcibly();
    }
    String printed = Files.readString(output, StandardCharsets.UTF_8);
    assertThat(exited).as("%s ended; it printed:%n%s", mainClass, printed).isTrue();
    assertThat(child.exitValue()).as("exit code of %s; it printed:%n%s", mainClass, printed).isZero();
    return printed;
  }

  @Test
  void theModulePathHoldsTheLibrariesAsNamedModules() {
    Map<String, Path> modules = observableModules();
    assertThat(modules.keySet())
        .contains(MODULE, "dev.fabula.core", "dev.fabula.jackson", "dev.fabula.postgres");
    for (String name :
        List.of(MODULE, "dev.fabula.core", "dev.fabula.jackson", "dev.fabula.postgres")) {
      assertThat(descriptor(modules.get(name)).isAutomatic())
          .as("%s has a module-info", name)
          .isFalse();
    }
  }

  /**
   * The entries of this test's class path that {@code root} needs as modules: what it requires,
   * transitively, and the providers of the services those modules use (a logging binding, say).
   */
  private static Set<Path> modulesRequiredBy(String root) {
    Map<String, Path> observable = observableModules();
    ModuleFinder system = ModuleFinder.ofSystem();
    Map<String, Path> chosen = new LinkedHashMap<>();
    Deque<String> todo = new ArrayDeque<>(List.of(root));
    boolean grew = true;
    while (grew) {
      while (!todo.isEmpty()) {
        String name = todo.pop();
        if (chosen.containsKey(name) || system.find(name).isPresent()) {
          continue;
        }
        Path location = observable.get(name);
        assertThat(location)
            .as("module %s, required from %s, on the class path", name, root)
            .isNotNull();
        chosen.put(name, location);
        for (ModuleDescriptor.Requires r : descriptor(location).requires()) {
          boolean optional = r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC);
          if (!optional || observable.containsKey(r.name())) {
            todo.push(r.name());
          }
        }
      }
      Set<String> uses =
          chosen.values().stream()
              .flatMap(p -> descriptor(p).uses().stream())
              .collect(Collectors.toSet());
      grew = false;
      for (Map.Entry<String, Path> m : observable.entrySet()) {
        boolean provides =
            descriptor(m.getValue()).provides().stream().anyMatch(p -> uses.contains(p.service()));
        if (provides && !chosen.containsKey(m.getKey())) {
          todo.push(m.getKey());
          grew = true;
        }
      }
    }
    return new HashSet<>(chosen.values());
  }

  /** The main-code entries of this test's class path that are modules (named or automatic). */
  private static Map<String, Path> observableModules() {
    Map<String, Path> modules = new LinkedHashMap<>();
    Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(Path::of)
        .filter(p -> !p.endsWith(Path.of("target", "test-classes")))
        .filter(Files::exists)
        .forEach(p -> {
          try {
            for (ModuleReference ref : ModuleFinder.of(p).findAll()) {
              modules.putIfAbsent(ref.descriptor().name(), p);
            }
          } catch (FindException notAModule) {
            // a jar whose file name makes no module name: never one the example requires
          }
        });
    return modules;
  }

  private static ModuleDescriptor descriptor(Path location) {
    return ModuleFinder.of(location).findAll().iterator().next().descriptor();
  }
}
