package dev.fabula.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.aggregate.AggregateRoot;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * An application with a module descriptor puts its test dependencies on the class path: core is
 * a named module there and the fixtures are in the unnamed module, which core exports nothing
 * but its API to. The fixtures must work so, using only core's API.
 */
class ClassPathBesideNamedCoreTest {
  /** A marker the factory throws once it has seen the id, so no aggregate is needed. */
  private static final class SawId extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  @Test
  void fixturesMadeWithAFreshIdWorkFromTheUnnamedModule() throws Throwable {
    try (URLClassLoader fixtures = fixturesInTheUnnamedModuleBesideNamedCore()) {
      Class<?> aggregateFixture = fixtures.loadClass(AggregateFixture.class.getName());
      assertThat(aggregateFixture.getModule().isNamed()).as("fixtures' module").isFalse();
      Class<?> root = fixtures.loadClass(AggregateRoot.class.getName());
      assertThat(root.getModule().getName()).isEqualTo("dev.fabula.core");
      assertThat(root).as("core of the child layer").isNotSameAs(AggregateRoot.class);

      Function<UUID, Object> noAggregate = id -> {
        throw new AssertionError("the aggregate fixture makes no aggregate until when()");
      };
      Object fixture = invoke(aggregateFixture.getMethod("of", Function.class), noAggregate);
      assertThat(invoke(aggregateFixture.getMethod("id"), fixture)).isInstanceOf(UUID.class);

      // The command fixture makes an aggregate at once, to learn its name: the factory sees
      // the fresh id, then stops the fixture.
      Class<?> commandFixture = fixtures.loadClass(CommandFixture.class.getName());
      Class<?> commands = fixtures.loadClass("dev.fabula.command.AggregateCommands");
      Class<?> action = fixtures.loadClass("dev.fabula.command.AggregateCommands$Action");
      Object builder = invoke(commands.getMethod("builder"));
      Object never = Proxy.newProxyInstance(fixtures, new Class<?>[] {action}, (p, m, a) -> {
        throw new AssertionError("no command runs");
      });
      Method on = builder.getClass().getMethod("on", String.class, Class.class, action);
      on.invoke(builder, "tally.add", Integer.class, never);
      Object declared = invoke(builder.getClass().getMethod("build"), builder);
      AtomicReference<UUID> seen = new AtomicReference<>();
      Function<UUID, Object> stop = id -> {
        seen.set(id);
        throw new SawId();
      };
      Method of = commandFixture.getMethod("of", Function.class, commands);
      assertThatThrownBy(() -> invoke(of, stop, declared)).isInstanceOf(SawId.class);
      assertThat(seen.get()).isNotNull();
    }
  }

  /**
   * Core's classes as a named module in a child layer, and this module's main classes in a
   * class loader above it, where they are in the unnamed module as on an application's class
   * path.
   */
  private static URLClassLoader fixturesInTheUnnamedModuleBesideNamedCore() throws Exception {
    Path core =
        Path.of(AggregateRoot.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ModuleLayer boot = ModuleLayer.boot();
    Configuration configuration =
        boot.configuration()
            .resolve(ModuleFinder.of(core), ModuleFinder.of(), Set.of("dev.fabula.core"));
    // The boot loader as parent: the platform loader would find this module's classes in the
    // boot layer, where the tests run.
    ModuleLayer layer = boot.defineModulesWithOneLoader(configuration, null);
    ClassLoader coreLoader = layer.findLoader("dev.fabula.core");
    URL mainClasses = Path.of("target", "classes").toUri().toURL();
    return new URLClassLoader(new URL[] {mainClasses}, coreLoader);
  }

  private static Object invoke(Method method, Object... arguments) throws Throwable {
    try {
      if (Modifier.isStatic(method.getModifiers())) {
        return method.invoke(null, arguments);
      }
      return method.invoke(arguments[0]);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
