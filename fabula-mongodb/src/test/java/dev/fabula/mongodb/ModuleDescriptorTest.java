package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.architecture.ModuleSurface;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

/** The MongoDB module's public surface is a decision (ADR 0016): its one package. */
class ModuleDescriptorTest {
  @Test
  void exportsExactlyItsApi() {
    ModuleDescriptor descriptor = ModuleSurface.ofThisModule();
    assertThat(descriptor.name()).isEqualTo("dev.fabula.mongodb");
    assertThat(ModuleSurface.lines(descriptor))
        .containsExactly(
            "exports dev.fabula.mongodb");
  }
}
