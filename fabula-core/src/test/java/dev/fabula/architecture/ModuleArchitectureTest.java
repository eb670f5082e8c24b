package dev.fabula.architecture;

import org.junit.jupiter.api.Test;

/**
 * The architecture rules every Fabula module keeps (DESIGN.md §1, ADR 0016), on the main classes
 * of the module whose tests extend it: {@code class ArchitectureTest extends
 * ModuleArchitectureTest {}} is a module's whole architecture test, unless it keeps rules of its
 * own beside these.
 */
public abstract class ModuleArchitectureTest {
  private final FabulaArchitecture module = FabulaArchitecture.ofThisModule();

  /** The module's own classes, for the rules a subclass adds. */
  protected final FabulaArchitecture module() {
    return module;
  }

  @Test
  public final void layersDoNotReachUp() {
    module.layersDoNotReachUp();
  }

  @Test
  public final void packagesHaveNoCycles() {
    module.packagesHaveNoCycles();
  }

  @Test
  public final void theSpiIsUsedOnlyWhereItIsExported() {
    module.spiIsUsedOnlyWhereExported();
  }

  @Test
  public final void everyPackageIsNullMarked() {
    module.everyPackageIsNullMarked();
  }
}
