package dev.fabula.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the launcher of the shop in three processes does without servers: it runs everywhere. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ShopProcessesWithoutServersTest {
  private static final String SEP = File.pathSeparator;

  @Test
  void aMissingNatsServerIsExplainedWithHowToStartOne() {
    // NATS is checked first: the PostgreSQL URL is never used here.
    var missing = ShopProcesses.missingBackend("nats://127.0.0.1:1", "jdbc:postgresql://127.0.0.1:1/none");

    assertThat(missing).hasValueSatisfying(message -> assertThat(message)
        .contains("NATS does not answer at nats://127.0.0.1:1")
        .contains("Start one with `nats-server`")
        .contains("FABULA_NATS_URL"));
  }

  @Test
  void theRolesGetTheLaunchersModulePathAndClassPathAsTheirClassPath() {
    assertThat(ShopProcesses.childClassPath("mods/a.jar" + SEP + "mods/b.jar", "lib/c.jar" + SEP + "mods/a.jar"))
        .isEqualTo(String.join(SEP, "mods/a.jar", "mods/b.jar", "lib/c.jar"));
    // On the module path only, as `java --module-path ... --module` leaves it.
    assertThat(ShopProcesses.childClassPath("mods/a.jar", "")).isEqualTo("mods/a.jar");
    assertThat(ShopProcesses.childClassPath(null, "lib/c.jar")).isEqualTo("lib/c.jar");
  }

  @Test
  void withNeitherPathTheLauncherSaysItCannotStartTheRoles() {
    assertThatThrownBy(() -> ShopProcesses.childClassPath(null, " "))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("neither a module path (jdk.module.path) nor a class path");
  }
}
