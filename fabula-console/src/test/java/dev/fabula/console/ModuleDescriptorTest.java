package dev.fabula.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.architecture.ModuleSurface;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

/** The console module's public surface is a decision (ADR 0023): its one package. */
class ModuleDescriptorTest {
  @Test
  void exportsExactlyItsApi() {
    ModuleDescriptor descriptor = ModuleSurface.ofThisModule();
    assertThat(descriptor.name()).isEqualTo("dev.fabula.console");
    assertThat(ModuleSurface.lines(descriptor)).containsExactly("exports dev.fabula.console");
  }
}
