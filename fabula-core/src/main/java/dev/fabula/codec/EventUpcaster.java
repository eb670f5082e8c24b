package dev.fabula.codec;

import java.util.List;

/**
 * Reads an event stored under an old name and revision as the events it stands for today: one
 * (renamed, reshaped, with defaults added), several (split) or none (dropped). Stored rows are
 * never changed; every read path of every backend applies the upcaster. Register one per stored
 * (name, revision) with {@link CodecRegistry.Builder#eventUpcaster(String, int, java.util.Set,
 * EventUpcaster)}, declaring the names it returns.
 *
 * <p>What an upcaster returns is read on as if it were stored so: an event of a registered name
 * is brought up to the name's current revision by its {@link Upcaster}s, and one of a name with
 * an event upcaster of its own goes through that one too, so chains compose in order. Each part
 * keeps the stored event's time, metadata, aggregate and position; the first keeps its id and
 * the others get ids derived from it. An aggregate's event must stay one event (its version
 * numbers the aggregate's history). An upcaster must be a pure function of its input: it runs on
 * every read, on any thread.
 */
@FunctionalInterface
public interface EventUpcaster {
  /**
   * The events {@code stored} reads as, in order; empty to drop it.
   *
   * @param stored the event as stored (or as an earlier upcaster of the chain returned it)
   */
  List<EventPayload> upcast(EventPayload stored);
}
