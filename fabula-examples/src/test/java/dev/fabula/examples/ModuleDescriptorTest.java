package dev.fabula.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.architecture.ModuleSurface;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

/**
 * The example application exports nothing and opens to Jackson only the packages whose records it
 * encodes (ADR 0016).
 */
class ModuleDescriptorTest {
  @Test
  void exportsExactlyItsApi() {
    ModuleDescriptor descriptor = ModuleSurface.ofThisModule();
    assertThat(descriptor.name()).isEqualTo("dev.fabula.examples");
    assertThat(ModuleSurface.lines(descriptor))
        .containsExactly(
            "opens dev.fabula.examples.orders to com.fasterxml.jackson.databind",
            "opens dev.fabula.examples.payments to com.fasterxml.jackson.databind",
            "opens dev.fabula.examples.shop to com.fasterxml.jackson.databind",
            "internal dev.fabula.examples.firstapp",
            "internal dev.fabula.examples.quickstart");
  }
}
