package dev.fabula.testing;

import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An event as a test expects it: a name, data, and the metadata entries it must carry. Ids, times,
 * versions and positions are the framework's and are not compared.
 *
 * <p>Metadata is compared as a subset: the actual event must carry every expected entry with the
 * same value, and may carry more (a command's correlation and causation ids, for instance). An
 * expectation without metadata therefore does not check metadata at all.
 *
 * @param name the event name
 * @param data the event data; compared with {@code equals}
 * @param metadata the entries the event must carry; {@link Metadata#empty()} to not check
 */
public record RaisedEvent(String name, Object data, Metadata metadata) {
  /** Validates the expectation. */
  public RaisedEvent {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(metadata, "metadata");
  }

  /** An expectation of an event with this name and data, whatever its metadata. */
  public RaisedEvent(String name, Object data) {
    this(name, data, Metadata.empty());
  }

  /** An expected event, whatever its metadata. */
  public static RaisedEvent of(String name, Object data) {
    return new RaisedEvent(name, data);
  }

  /** An expected event that carries (at least) these metadata entries. */
  public static RaisedEvent of(String name, Object data, Metadata metadata) {
    return new RaisedEvent(name, data, metadata);
  }

  /** A copy that also expects the entry {@code key}={@code value} in the event's metadata. */
  public RaisedEvent withMetadata(String key, String value) {
    return new RaisedEvent(name, data, metadata.with(key, value));
  }

  /** Whether {@code event} has this name, equal data and every expected metadata entry. */
  public boolean matches(Event<?> event) {
    Objects.requireNonNull(event, "event");
    if (!name.equals(event.name()) || !data.equals(event.data())) {
      return false;
    }
    Map<String, String> actual = event.metadata().values();
    for (var entry : metadata.values().entrySet()) {
      if (!entry.getValue().equals(actual.get(entry.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return name + " " + data + (metadata.isEmpty() ? "" : " " + metadata.values());
  }

  /**
   * Throws an {@link AssertionError} showing both lists unless each actual event matches the
   * expectation at its index.
   */
  static void assertMatch(List<RaisedEvent> expected, List<Event<?>> actual, String what) {
    boolean same = expected.size() == actual.size();
    for (int i = 0; same && i < expected.size(); i++) {
      same = expected.get(i).matches(actual.get(i));
    }
    if (!same) {
      throw new AssertionError(
          "expected the events\n  " + expected + "\nbut " + what + "\n  " + describe(actual));
    }
  }

  /** Events as the fixtures print them: name, data and metadata. */
  static List<String> describe(List<Event<?>> events) {
    return events.stream()
        .map(e -> e.name() + " " + e.data() + (e.metadata().isEmpty() ? "" : " " + e.metadata().values()))
        .toList();
  }
}
