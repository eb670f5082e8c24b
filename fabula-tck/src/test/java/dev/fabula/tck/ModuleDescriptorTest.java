package dev.fabula.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.architecture.ModuleSurface;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

/**
 * The kit's public surface is a decision (ADR 0016): its suites, open to JUnit, and its data, open
 * to Jackson.
 */
class ModuleDescriptorTest {
  @Test
  void exportsExactlyItsApi() {
    ModuleDescriptor descriptor = ModuleSurface.ofThisModule();
    assertThat(descriptor.name()).isEqualTo("dev.fabula.tck");
    assertThat(ModuleSurface.lines(descriptor))
        .containsExactly(
            "exports dev.fabula.tck",
            "exports dev.fabula.tck.command",
            "exports dev.fabula.tck.event",
            "exports dev.fabula.tck.projection",
            "exports dev.fabula.tck.readmodel",
            "exports dev.fabula.tck.snapshot",
            "opens dev.fabula.tck to com.fasterxml.jackson.databind",
            "opens dev.fabula.tck.command to org.junit.platform.commons",
            "opens dev.fabula.tck.event to org.junit.platform.commons",
            "opens dev.fabula.tck.projection to org.junit.platform.commons",
            "opens dev.fabula.tck.readmodel to org.junit.platform.commons",
            "opens dev.fabula.tck.snapshot to org.junit.platform.commons");
  }
}
