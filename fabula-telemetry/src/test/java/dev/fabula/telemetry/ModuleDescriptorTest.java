package dev.fabula.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.architecture.ModuleSurface;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

/** The telemetry module's public surface is a decision (ADR 0016, ADR 0022): its one package. */
class ModuleDescriptorTest {
  @Test
  void exportsExactlyItsApi() {
    ModuleDescriptor descriptor = ModuleSurface.ofThisModule();
    assertThat(descriptor.name()).isEqualTo("dev.fabula.telemetry");
    assertThat(ModuleSurface.lines(descriptor)).containsExactly("exports dev.fabula.telemetry");
  }

  @Test
  void micrometerAndOpenTelemetryAreOptional() {
    ModuleDescriptor descriptor = ModuleSurface.ofThisModule();
    assertThat(descriptor.requires())
        .filteredOn(r -> !r.name().startsWith("java.") && !r.name().startsWith("dev.fabula"))
        .allSatisfy(r -> assertThat(r.modifiers()).as(r.name()).contains(ModuleDescriptor.Requires.Modifier.STATIC))
        .extracting(ModuleDescriptor.Requires::name)
        .contains("micrometer.core", "io.opentelemetry.api", "io.opentelemetry.context");
  }
}
