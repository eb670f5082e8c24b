package dev.fabula.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Describes what a module's compiled descriptor makes public, one line per package, so that a
 * module's descriptor test can list exactly what it exports and opens, and to whom: {@code
 * exports p}, {@code exports p to m1, m2}, {@code opens p to m}, and {@code internal p} for a
 * package that is neither exported nor opened. A change to the public surface then fails that
 * test until the list is changed with it.
 */
public final class ModuleSurface {
  private ModuleSurface() {}

  /** The descriptor compiled into the module under test ({@code target/classes}). */
  public static ModuleDescriptor ofThisModule() {
    Path classes = Path.of("target", "classes");
    assertThat(classes.resolve("module-info.class"))
        .as("compiled module descriptor")
        .isRegularFile();
    ModuleReference ref =
        ModuleFinder.of(classes).findAll().stream()
            .findFirst()
            .orElseThrow(() -> new AssertionError("no module in " + classes));
    return ref.descriptor();
  }

  /** One line per package of {@code d}, sorted: its exports, its opens, its internal packages. */
  public static List<String> lines(ModuleDescriptor d) {
    List<String> lines = new ArrayList<>();
    Set<String> visible = new TreeSet<>();
    d.exports().stream()
        .sorted()
        .forEach(e -> {
          visible.add(e.source());
          lines.add("exports " + e.source() + targets(e.targets()));
        });
    d.opens().stream()
        .sorted()
        .forEach(o -> {
          visible.add(o.source());
          lines.add("opens " + o.source() + targets(o.targets()));
        });
    new TreeSet<>(d.packages()).stream()
        .filter(p -> !visible.contains(p))
        .forEach(p -> lines.add("internal " + p));
    return lines;
  }

  private static String targets(Set<String> targets) {
    return targets.isEmpty() ? "" : " to " + String.join(", ", new TreeSet<>(targets));
  }
}
