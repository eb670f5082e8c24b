package dev.fabula.nats;

import dev.fabula.architecture.FabulaArchitecture;
import org.junit.jupiter.api.Test;

/** The architecture rules every Fabula module keeps (DESIGN.md §1), on this module's classes. */
class ArchitectureTest {
  private static final FabulaArchitecture MODULE = FabulaArchitecture.ofThisModule();

  @Test
  void layersDoNotReachUp() {
    MODULE.layersDoNotReachUp();
  }

  @Test
  void packagesHaveNoCycles() {
    MODULE.packagesHaveNoCycles();
  }

  @Test
  void theSpiIsUsedOnlyWhereItIsExported() {
    MODULE.spiIsUsedOnlyWhereExported();
  }

  @Test
  void everyPackageIsNullMarked() {
    MODULE.everyPackageIsNullMarked();
  }
}
