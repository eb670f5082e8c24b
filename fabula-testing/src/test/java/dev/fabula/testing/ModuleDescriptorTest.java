package dev.fabula.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.architecture.ModuleSurface;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

/** The fixtures' public surface is a decision (ADR 0016): their one package. */
class ModuleDescriptorTest {
  @Test
  void exportsExactlyItsApi() {
    ModuleDescriptor descriptor = ModuleSurface.ofThisModule();
    assertThat(descriptor.name()).isEqualTo("dev.fabula.testing");
    assertThat(ModuleSurface.lines(descriptor))
        .containsExactly(
            "exports dev.fabula.testing");
  }
}
