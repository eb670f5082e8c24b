package dev.fabula.testing;

import java.util.Objects;

/**
 * An event as a test expects it: a name and data (ids, times and versions are the framework's).
 *
 * @param name the event name
 * @param data the event data; compared with {@code equals}
 */
public record RaisedEvent(String name, Object data) {
  /** Validates the expectation. */
  public RaisedEvent {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(data, "data");
  }

  /** An expected event. */
  public static RaisedEvent of(String name, Object data) {
    return new RaisedEvent(name, data);
  }

  @Override
  public String toString() {
    return name + " " + data;
  }
}
