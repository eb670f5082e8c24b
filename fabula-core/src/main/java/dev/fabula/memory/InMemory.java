package dev.fabula.memory;

import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.projection.ProgressStore;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.readmodel.ReadModelRepository;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.spi.StoredReadModels;
import java.util.Objects;

/**
 * The embedded defaults: an event store, event bus, snapshot store, progress store and read-model
 * repositories that live in this JVM's memory and need no set-up. They keep every promise of their interfaces (and pass the
 * conformance kit), except durability: everything is gone when the JVM exits. Use them for
 * development, tests and examples.
 */
public final class InMemory {
  private InMemory() {}

  /** A new, empty in-memory event store. */
  public static EventStore eventStore() {
    return new MemoryEventStore();
  }

  /**
   * A new, empty in-memory event store that reads through {@code codec}'s event upcasters (ADR
   * 0021): it keeps events as inserted, objects and all, and reads an event of a name with an
   * event upcaster (a legacy name: registered with its old type, so that it can be inserted) as
   * what it stands for now, the way a persistent store reads its old rows. With a registry
   * without event upcasters it is {@link #eventStore()}.
   */
  public static EventStore eventStore(dev.fabula.codec.Codec codec) {
    return new MemoryEventStore(codec);
  }

  /** A new in-memory event bus delivering to subscribers in this JVM. */
  public static EventBus eventBus() {
    return new MemoryEventBus();
  }

  /** A new, empty in-memory snapshot store. */
  public static SnapshotStore snapshotStore() {
    return new MemorySnapshotStore();
  }

  /** A new, empty in-memory projection progress store. */
  public static ProgressStore progressStore() {
    return new MemoryProgressStore();
  }

  /**
   * A new, empty in-memory repository of read models. It keeps the model instances themselves
   * (nothing is encoded) and hands them out as they are, so models should be immutable values, and
   * an update given to {@link ReadModelRepository#use} must return a new model rather than change
   * the one it is given (a change in place would be seen by every reader, even if the update then
   * failed or lost to a concurrent writer).
   */
  public static <K, M> ReadModelRepository<K, M> readModels(ReadModelOptions<K, M> options) {
    Objects.requireNonNull(options, "options");
    return StoredReadModels.repository(options, new MemoryReadModels<>(options.name()));
  }
}
