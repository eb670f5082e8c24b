package dev.fabula.telemetry;

import dev.fabula.command.Command;
import dev.fabula.event.Event;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link Telemetry} decorator observes: one of a closed set of operations, each carrying
 * what an {@link Instrumentation} may name or tag it with.
 */
public sealed interface Operation {
  /**
   * A command dispatched on a command bus.
   *
   * @param command the command as given to the bus
   */
  record Dispatch(Command<?> command) implements Operation {
    /** Validates the record. */
    public Dispatch {
      Objects.requireNonNull(command, "command");
    }
  }

  /**
   * A command's handler running on the bus that accepted it.
   *
   * @param command the command, with the metadata its dispatcher sent
   */
  record Handle(Command<?> command) implements Operation {
    /** Validates the record. */
    public Handle {
      Objects.requireNonNull(command, "command");
    }
  }

  /**
   * A batch inserted into an event store.
   *
   * @param events the batch as given to the store; not empty
   */
  record Append(List<? extends Event<?>> events) implements Operation {
    /** Validates the record. */
    public Append {
      Objects.requireNonNull(events, "events");
      if (events.isEmpty()) {
        throw new IllegalArgumentException("an append observes at least one event");
      }
    }

    /** The aggregate name all events share, {@code "none"} when none has one, else {@code "mixed"}. */
    public String aggregateName() {
      return Tags.aggregateOf(events);
    }
  }

  /**
   * A read of one aggregate's event stream (what a repository's load does).
   *
   * @param aggregateName the aggregate's name
   */
  record Load(String aggregateName) implements Operation {
    /** Validates the record. */
    public Load {
      Objects.requireNonNull(aggregateName, "aggregateName");
    }
  }

  /**
   * A lookup of an aggregate's snapshot; the observation {@linkplain Observation#count counts} 1
   * when one was found, 0 when none.
   *
   * @param aggregateName the aggregate's name
   */
  record SnapshotLoad(String aggregateName) implements Operation {
    /** Validates the record. */
    public SnapshotLoad {
      Objects.requireNonNull(aggregateName, "aggregateName");
    }
  }

  /**
   * A batch published on an event bus.
   *
   * @param events the batch as given to the bus; not empty
   */
  record Publish(List<? extends Event<?>> events) implements Operation {
    /** Validates the record. */
    public Publish {
      Objects.requireNonNull(events, "events");
      if (events.isEmpty()) {
        throw new IllegalArgumentException("a publish observes at least one event");
      }
    }
  }

  /**
   * One event handled by a bus subscriber.
   *
   * @param event the event as delivered
   * @param redelivery whether this subscription's handler failed on the same event before
   */
  record Deliver(Event<?> event, boolean redelivery) implements Operation {
    /** Validates the record. */
    public Deliver {
      Objects.requireNonNull(event, "event");
    }
  }

  /**
   * One event applied to one projection by a schedule's job.
   *
   * @param projectionName the projection's {@linkplain
   *     dev.fabula.projection.Projection#projectionName() name}
   * @param event the stored event
   */
  record Apply(String projectionName, Event<?> event) implements Operation {
    /** Validates the record. */
    public Apply {
      Objects.requireNonNull(projectionName, "projectionName");
      Objects.requireNonNull(event, "event");
    }
  }
}
