package dev.fabula.event;

import java.util.Objects;
import java.util.UUID;

/**
 * Selects the events of one aggregate, or of every aggregate of one name (wildcard id), in an
 * {@link EventQuery}.
 */
public sealed interface AggregateSelector {
  /** The aggregate name this selector matches. */
  String name();

  /** Whether the given reference is selected. */
  boolean matches(AggregateRef ref);

  /** Selects the aggregate with this name and id. */
  static AggregateSelector of(String name, UUID id) {
    return new Exact(name, id);
  }

  /** Selects every aggregate with this name, whatever its id. */
  static AggregateSelector anyId(String name) {
    return new AnyId(name);
  }

  private static void requireName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new InvalidQueryException(
          "AggregateSelector: name must not be blank, got \"" + name + "\"");
    }
  }

  /**
   * One aggregate.
   *
   * @param name aggregate name
   * @param id aggregate id
   */
  record Exact(String name, UUID id) implements AggregateSelector {
    /** Validates the selector; a blank name is an {@link InvalidQueryException}. */
    public Exact {
      requireName(name);
      Objects.requireNonNull(id, "id");
    }

    @Override
    public boolean matches(AggregateRef ref) {
      Objects.requireNonNull(ref, "ref");
      return ref.id().equals(id) && ref.name().equals(name);
    }
  }

  /**
   * Every aggregate of one name.
   *
   * @param name aggregate name
   */
  record AnyId(String name) implements AggregateSelector {
    /** Validates the selector; a blank name is an {@link InvalidQueryException}. */
    public AnyId {
      requireName(name);
    }

    @Override
    public boolean matches(AggregateRef ref) {
      Objects.requireNonNull(ref, "ref");
      return ref.name().equals(name);
    }
  }
}
