package dev.fabula.console;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fabula.event.EventStore;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The projections whose progress the store keeps, read only: each one's stored position, the
 * store's head and the lag, for a console that has no schedule of them (the standalone console
 * over a store URL). Rows carry the status {@value #STATUS}; nothing here can run a projection.
 */
final class StoredProgress {
  static final String STATUS = "stored progress";

  private final EventStore store;
  private final @Nullable Supplier<? extends Map<String, Long>> positions;

  StoredProgress(EventStore store, @Nullable Supplier<? extends Map<String, Long>> positions) {
    this.store = store;
    this.positions = positions;
  }

  /**
   * Adds a row per stored projection to {@code answer}'s {@code projections} (after the
   * schedules'), or, when the positions could not be read, {@code storedProgressError}.
   */
  ObjectNode addTo(ObjectNode answer) {
    if (positions == null) {
      return answer;
    }
    ArrayNode list = (ArrayNode) answer.get("projections");
    Map<String, Long> stored;
    try {
      stored = read();
    } catch (RuntimeException e) {
      answer.put("storedProgressError", "the stored progress could not be read: "
          + e.getClass().getSimpleName() + ": " + e.getMessage());
      return answer;
    }
    long head = store.lastPosition();
    stored.forEach((name, position) -> list.add(row(name, position, head)));
    return answer;
  }

  /**
   * The stored projection {@code name} as a row of {@code api/projections}.
   *
   * @throws ApiError when the store keeps no progress of that name
   */
  ObjectNode describe(String name) {
    if (positions == null) {
      throw ApiError.notFound("no schedule named '" + name + "' is registered with the console");
    }
    Long position = read().get(name);
    if (position == null) {
      throw ApiError.notFound("no schedule and no stored progress named '" + name + "'");
    }
    return row(name, position, store.lastPosition());
  }

  private Map<String, Long> read() {
    Map<String, Long> answer = Objects.requireNonNull(
        Objects.requireNonNull(positions, "positions").get(), "the stored progress answered null");
    return new TreeMap<>(answer);
  }

  private static ObjectNode row(String name, long position, long head) {
    ObjectNode n = Json.NODES.objectNode();
    n.put("name", name);
    n.put("position", position);
    n.put("head", head);
    n.put("lag", Math.max(0, head - position));
    n.put("status", STATUS);
    n.putNull("lastError");
    n.putNull("deadLetterCount"); // not known without the application's schedule
    n.putArray("deadLetters");
    n.putNull("job");
    return n;
  }
}
