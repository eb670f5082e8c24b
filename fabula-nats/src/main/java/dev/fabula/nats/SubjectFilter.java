package dev.fabula.nats;

import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The subjects of a subscription's event names, or every subject under the prefix: checks a
 * message's subject where the server could not filter exactly (several names on one JetStream
 * consumer).
 */
final class SubjectFilter implements Predicate<String> {
  private final @Nullable Set<String> subjects;

  private SubjectFilter(@Nullable Set<String> subjects) {
    this.subjects = subjects;
  }

  static SubjectFilter all() {
    return new SubjectFilter(null);
  }

  static SubjectFilter of(Set<String> subjects) {
    return new SubjectFilter(Set.copyOf(subjects));
  }

  @Override
  public boolean test(String subject) {
    return subjects == null || subjects.contains(subject);
  }
}
