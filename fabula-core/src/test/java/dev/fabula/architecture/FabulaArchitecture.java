package dev.fabula.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import dev.fabula.event.Event;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * Checks the architecture rules every Fabula module keeps, on the main classes of the module whose
 * tests run ({@code target/classes}): no package reaches up the layer order of DESIGN.md §1, no
 * package cycles, {@code dev.fabula.spi} used only by the modules core exports it to, and
 * {@code @NullMarked} on every package. A module's {@code ArchitectureTest} calls {@link #of} and
 * one method per rule; a new module adds its packages to {@link #LAYERS} and such a test.
 */
public final class FabulaArchitecture {
  private static final String SPI = "dev.fabula.spi";

  /**
   * The layer of every Fabula package (a package belongs to the longest prefix listed), lowest
   * first. A class may depend on its own package and on packages of lower layers; packages of one
   * layer stay apart. {@code dev.fabula.spi} has no layer of its own: see {@link #SPI_MAY_USE}.
   */
  static final List<Set<String>> LAYERS =
      List.of(
          Set.of("dev.fabula"), // ClosedException, TransientException: the shared roots
          Set.of("dev.fabula.codec", "dev.fabula.event", "dev.fabula.readmodel"),
          Set.of("dev.fabula.snapshot"),
          Set.of("dev.fabula.aggregate"),
          Set.of("dev.fabula.repository"),
          Set.of("dev.fabula.command", "dev.fabula.projection"),
          Set.of("dev.fabula.workflow"), // coordinates commands, schedules and repositories
          Set.of("dev.fabula.memory"),
          Set.of("dev.fabula.jackson"), // the codec every persistent backend may use
          // backends, and the telemetry decorators over core's interfaces
          Set.of("dev.fabula.postgres", "dev.fabula.nats", "dev.fabula.mongodb", "dev.fabula.telemetry"),
          Set.of("dev.fabula.console"), // the operators' web console
          Set.of("dev.fabula.cli"), // the command line, which serves the console over a store URL
          Set.of("dev.fabula.tck", "dev.fabula.testing"), // kits over the API and the backends
          Set.of("dev.fabula.examples", "dev.fabula.bench")); // applications

  /**
   * What the SPI may use: the layers below the aggregate (the SPI serves stores, codecs and the
   * aggregate's accessor without naming it), so that every layer above may use the SPI.
   */
  static final int SPI_MAY_USE = 2;

  private final Path classesDir;
  private final JavaClasses classes;
  private final @Nullable ModuleDescriptor descriptor;

  private FabulaArchitecture(Path classesDir) {
    this.classesDir = classesDir;
    this.classes = new ClassFileImporter().importPath(classesDir);
    this.descriptor = descriptorIn(classesDir).orElse(null);
  }

  /** The rules for the main classes of the module under test (its {@code target/classes}). */
  public static FabulaArchitecture ofThisModule() {
    return of(Path.of("target", "classes"));
  }

  /** The rules for the classes in {@code classesDir}. */
  public static FabulaArchitecture of(Path classesDir) {
    assertThat(classesDir).as("compiled main classes").isDirectory();
    return new FabulaArchitecture(classesDir);
  }

  /** The imported main classes, for rules a module keeps on its own. */
  public JavaClasses importedClasses() {
    return classes;
  }

  /** No class depends on a package of a higher layer, or of another package of its own layer. */
  public void layersDoNotReachUp() {
    classes().that().resideInAPackage("dev.fabula..")
        .should(dependOnlyDownwards())
        .check(classes);
  }

  /**
   * No cycles between packages. {@code dev.fabula.spi} is a bag of unrelated helpers that each
   * serve another layer (UuidV7 the event layer, EventLimits the stores), so each of its top-level
   * classes counts as a package of its own here.
   */
  public void packagesHaveNoCycles() {
    slices().assignedFrom(PACKAGES_AND_SPI_CLASSES).should().beFreeOfCycles().check(classes);
  }

  /**
   * Only core itself and the modules that core's descriptor exports {@code dev.fabula.spi} to use
   * it; on the class path nothing else stops an application from reaching in.
   */
  public void spiIsUsedOnlyWhereExported() {
    String module = descriptor == null ? "(no module descriptor)" : descriptor.name();
    Set<String> allowed = spiTargets();
    allowed.add("dev.fabula.core");
    if (allowed.contains(module)) {
      return;
    }
    classes().that().resideOutsideOfPackage(SPI + "..")
        .should(notUseTheSpi(module, allowed))
        .check(classes);
  }

  /** Every package of main classes has a {@code package-info} annotated {@code @NullMarked}. */
  public void everyPackageIsNullMarked() {
    Set<String> packages =
        classes.stream()
            .filter(c -> !c.getSimpleName().equals("package-info"))
            .map(JavaClass::getPackageName)
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(packages).as("packages in " + classesDir).isNotEmpty();
    Set<String> unmarked = new TreeSet<>();
    for (String p : packages) {
      if (!classes.getPackage(p).isAnnotatedWith(NullMarked.class)) {
        unmarked.add(p);
      }
    }
    assertThat(unmarked).as("packages without @NullMarked in package-info.java").isEmpty();
  }

  /** Runs every rule above. */
  public void checkAll() {
    layersDoNotReachUp();
    packagesHaveNoCycles();
    spiIsUsedOnlyWhereExported();
    everyPackageIsNullMarked();
  }

  /** The modules core's descriptor exports {@code dev.fabula.spi} to. */
  static Set<String> spiTargets() {
    Path core;
    try {
      core = Path.of(Event.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    ModuleDescriptor d =
        descriptorIn(core).orElseThrow(() -> new AssertionError("no module-info.class in " + core));
    return d.exports().stream()
        .filter(e -> e.source().equals(SPI))
        .findFirst()
        .map(e -> new TreeSet<>(e.targets()))
        .orElseThrow(() -> new AssertionError("dev.fabula.core does not export " + SPI));
  }

  private static Optional<ModuleDescriptor> descriptorIn(Path location) {
    if (Files.isDirectory(location) && !Files.exists(location.resolve("module-info.class"))) {
      return Optional.empty();
    }
    return ModuleFinder.of(location).findAll().stream()
        .map(r -> r.descriptor())
        .filter(d -> !d.isAutomatic())
        .findFirst();
  }

  /** The layer of {@code packageName}, or -1 for the SPI and for packages outside Fabula. */
  static int layerOf(String packageName) {
    if (!packageName.equals("dev.fabula") && !packageName.startsWith("dev.fabula.")) {
      return -1;
    }
    if (packageName.equals(SPI) || packageName.startsWith(SPI + ".")) {
      return -1;
    }
    String best = null;
    int layer = -1;
    for (int i = 0; i < LAYERS.size(); i++) {
      for (String prefix : LAYERS.get(i)) {
        if ((packageName.equals(prefix) || packageName.startsWith(prefix + "."))
            && (best == null || prefix.length() > best.length())) {
          best = prefix;
          layer = i;
        }
      }
    }
    if (best == null) {
      throw new AssertionError(
          "package " + packageName + " has no layer: add it to FabulaArchitecture.LAYERS");
    }
    return layer;
  }

  /** The listed package {@code packageName} belongs to (its longest listed prefix). */
  private static String layerPackageOf(String packageName) {
    String best = "";
    for (Set<String> layer : LAYERS) {
      for (String prefix : layer) {
        if ((packageName.equals(prefix) || packageName.startsWith(prefix + "."))
            && prefix.length() > best.length()) {
          best = prefix;
        }
      }
    }
    return best;
  }

  private static ArchCondition<JavaClass> dependOnlyDownwards() {
    String rule = "depend only on its own package and on lower layers (DESIGN.md §1)";
    return new ArchCondition<>(rule) {
      @Override
      public void check(JavaClass origin, ConditionEvents events) {
        String from = origin.getPackageName();
        boolean fromSpi = from.equals(SPI) || from.startsWith(SPI + ".");
        int fromLayer = fromSpi ? SPI_MAY_USE : layerOf(from);
        for (Dependency d : origin.getDirectDependenciesFromSelf()) {
          String to = d.getTargetClass().getPackageName();
          int toLayer = layerOf(to);
          if (toLayer < 0) {
            continue; // outside Fabula, or the SPI (whose users are checked apart)
          }
          boolean up = toLayer > fromLayer;
          boolean sideways =
              toLayer == fromLayer && !fromSpi && !layerPackageOf(to).equals(layerPackageOf(from));
          if (up || sideways) {
            String how = up ? " reaches up from layer " : " reaches sideways in layer ";
            events.add(SimpleConditionEvent.violated(
                d, d.getDescription() + how + fromLayer + " to layer " + toLayer));
          }
        }
      }
    };
  }

  private static ArchCondition<JavaClass> notUseTheSpi(String module, Set<String> allowed) {
    return new ArchCondition<>("not use " + SPI + " (module " + module + " is not one of " + allowed
        + ", which core exports it to)") {
      @Override
      public void check(JavaClass origin, ConditionEvents events) {
        for (Dependency d : origin.getDirectDependenciesFromSelf()) {
          String to = d.getTargetClass().getPackageName();
          if (to.equals(SPI) || to.startsWith(SPI + ".")) {
            events.add(SimpleConditionEvent.violated(d, d.getDescription()));
          }
        }
      }
    };
  }

  /** Packages, except that each top-level class of the SPI is a slice of its own. */
  private static final SliceAssignment PACKAGES_AND_SPI_CLASSES =
      new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
          String p = c.getPackageName();
          if (!p.equals("dev.fabula") && !p.startsWith("dev.fabula.")) {
            return SliceIdentifier.ignore();
          }
          if (p.equals(SPI)) {
            JavaClass top = c;
            while (top.getEnclosingClass().isPresent()) {
              top = top.getEnclosingClass().get();
            }
            return SliceIdentifier.of(top.getName());
          }
          return SliceIdentifier.of(p);
        }

        @Override
        public String getDescription() {
          return "Fabula's packages, each top-level class of " + SPI + " apart";
        }
      };
}
