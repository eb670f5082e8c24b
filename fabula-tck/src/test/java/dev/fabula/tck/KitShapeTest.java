package dev.fabula.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.tck.command.CommandBusConformance;
import dev.fabula.tck.event.EventBusConformance;
import dev.fabula.tck.event.EventStoreConformance;
import dev.fabula.tck.projection.ProgressStoreConformance;
import dev.fabula.tck.snapshot.SnapshotStoreConformance;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each suite's lifecycle is its own: a backend's test class gives a factory (and capabilities
 * through the constructor), and can neither replace the set-up or tear-down, reach a mutable field,
 * nor override a test to weaken it.
 */
class KitShapeTest {
  @ParameterizedTest
  @ValueSource(
      classes = {
        EventStoreConformance.class,
        EventBusConformance.class,
        SnapshotStoreConformance.class,
        ProgressStoreConformance.class,
        CommandBusConformance.class
      })
  void aBackendGivesOnlyAFactoryAndCannotReplaceTheLifecycleOrATest(Class<?> suite) {
    List<String> abstractMethods = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Method m : suite.getDeclaredMethods()) {
      int mod = m.getModifiers();
      if (m.isSynthetic() || Modifier.isStatic(mod) || Modifier.isPrivate(mod)) {
        continue;
      }
      boolean lifecycle = m.isAnnotationPresent(BeforeEach.class) || m.isAnnotationPresent(AfterEach.class);
      boolean visible = Modifier.isProtected(mod) || Modifier.isPublic(mod);
      if (Modifier.isAbstract(mod)) {
        abstractMethods.add(m.getName());
      } else if (lifecycle && !Modifier.isFinal(mod)) {
        problems.add("set-up or tear-down " + m.getName() + " is not final");
      } else if (m.isAnnotationPresent(Test.class) && visible) {
        problems.add("test " + m.getName() + " is " + Modifier.toString(mod) + ": a backend could override it");
      } else if (visible && !Modifier.isFinal(mod)) {
        problems.add(m.getName() + " is overridable");
      }
    }
    for (Field f : suite.getDeclaredFields()) {
      if (!Modifier.isStatic(f.getModifiers()) && !Modifier.isPrivate(f.getModifiers())) {
        problems.add("field " + f.getName() + " is not private");
      }
    }
    assertThat(problems).as(suite.getSimpleName()).isEmpty();
    assertThat(abstractMethods).as("%s: the one factory", suite.getSimpleName()).hasSize(1);
    assertThat(Arrays.stream(suite.getDeclaredMethods()).filter(m -> m.isAnnotationPresent(BeforeEach.class)))
        .as("%s: its own set-up", suite.getSimpleName())
        .isNotEmpty();
  }
}
