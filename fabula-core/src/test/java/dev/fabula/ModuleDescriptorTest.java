package dev.fabula;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.architecture.ModuleSurface;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

/**
 * Core's public surface is a decision (ADR 0016): the API packages go to everyone, {@code
 * dev.fabula.spi} only to Fabula's own modules, and Jackson may read the SPI's wire records.
 */
class ModuleDescriptorTest {
  private final ModuleDescriptor descriptor = ModuleSurface.ofThisModule();

  @Test
  void exportsTheApiToEveryoneAndTheSpiToFabulasOwnModules() {
    assertThat(descriptor.name()).isEqualTo("dev.fabula.core");
    assertThat(ModuleSurface.lines(descriptor))
        .containsExactly(
            "exports dev.fabula",
            "exports dev.fabula.aggregate",
            "exports dev.fabula.codec",
            "exports dev.fabula.command",
            "exports dev.fabula.event",
            "exports dev.fabula.memory",
            "exports dev.fabula.projection",
            "exports dev.fabula.readmodel",
            "exports dev.fabula.repository",
            "exports dev.fabula.snapshot",
            "exports dev.fabula.spi to "
                + "dev.fabula.console, dev.fabula.jackson, dev.fabula.mongodb, dev.fabula.nats, dev.fabula.postgres, dev.fabula.tck",
            "exports dev.fabula.workflow",
            "opens dev.fabula.spi to com.fasterxml.jackson.databind");
  }

  @Test
  void needsNothingAtRunTimeButTheJdk() {
    assertThat(descriptor.requires())
        .allSatisfy(r -> assertThat(r.name().equals("java.base")
                || r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
            .as("%s is java.base or compile-time only", r)
            .isTrue());
  }

  @Test
  void runsInItsModuleWhenTestedOnTheModulePath() {
    // Surefire patches the tests into the module; on the class path this would be unnamed.
    assertThat(getClass().getModule().getName()).isEqualTo("dev.fabula.core");
  }
}
