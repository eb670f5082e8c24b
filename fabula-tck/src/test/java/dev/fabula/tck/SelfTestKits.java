package dev.fabula.tck;

import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.projection.ProgressStore;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.tck.command.CommandBusConformance;
import dev.fabula.tck.event.EventBusConformance;
import dev.fabula.tck.event.EventStoreConformance;
import dev.fabula.tck.projection.ProgressStoreConformance;
import dev.fabula.tck.snapshot.SnapshotStoreConformance;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The kit's suites bound to the {@link DoNothing} and {@link BrokenBackends} backends, exactly as a
 * backend's own test binds them: a factory and capabilities, nothing else. {@link KitSelfTest} runs
 * them; they are nested classes, so the build never runs them on their own (they are meant to fail).
 */
final class SelfTestKits {
  private SelfTestKits() {}

  /** Smaller torture and streaming tests: the faults show at any size, and the self-test runs five stores. */
  private static final EventStoreConformance.Capabilities QUICK =
      EventStoreConformance.Capabilities.defaults().withTorture(4, 20).withLargeResultSize(2_500);

  /** The in-memory store's capabilities, for the stores that wrap it. */
  private static final EventStoreConformance.Capabilities IN_MEMORY = QUICK.withPayloadEncoding(false);

  /** Waits for what is expected never to happen: short, as every such test is meant to fail. */
  private static final Duration IMPATIENT = Duration.ofMillis(300);

  static class DoNothingEventStore extends EventStoreConformance {
    DoNothingEventStore() {
      super(QUICK);
    }

    @Override
    protected EventStore newStore() {
      return DoNothing.eventStore();
    }
  }

  static class DropsTheLastEventOfABatch extends EventStoreConformance {
    DropsTheLastEventOfABatch() {
      super(IN_MEMORY);
    }

    @Override
    protected EventStore newStore() {
      return BrokenBackends.dropsTheLastEventOfABatch();
    }
  }

  static class SwapsTheLastTwoResults extends EventStoreConformance {
    SwapsTheLastTwoResults() {
      super(IN_MEMORY);
    }

    @Override
    protected EventStore newStore() {
      return BrokenBackends.swapsTheLastTwoResults();
    }
  }

  static class ReordersTwoPositions extends EventStoreConformance {
    ReordersTwoPositions() {
      super(IN_MEMORY);
    }

    @Override
    protected EventStore newStore() {
      return BrokenBackends.reordersTwoPositions();
    }
  }

  static class AcceptsATakenVersion extends EventStoreConformance {
    AcceptsATakenVersion() {
      super(IN_MEMORY);
    }

    @Override
    protected EventStore newStore() {
      return BrokenBackends.acceptsATakenVersion();
    }
  }

  static class DoNothingEventBus extends EventBusConformance {
    DoNothingEventBus() {
      super(EventBusConformance.Capabilities.defaults().withTimeout(Duration.ofMillis(50)));
    }

    @Override
    protected EventBus newBus() {
      return DoNothing.eventBus();
    }
  }

  static class DoNothingRefusingEventBus extends EventBusConformance {
    DoNothingRefusingEventBus() {
      super(
          EventBusConformance.Capabilities.defaults()
              .withTimeout(Duration.ofMillis(50))
              .withQueueGroups(false)
              .withDurable(false)
              .withSharedTransport(false));
    }

    @Override
    protected EventBus newBus() {
      return DoNothing.eventBus();
    }
  }

  /** The in-memory bus's capabilities, for the buses that wrap it. */
  private static final EventBusConformance.Capabilities IN_MEMORY_BUS =
      EventBusConformance.Capabilities.defaults()
          .withDurable(false)
          .withSharedTransport(false)
          .withUpcasting(false)
          .withTimeout(Duration.ofSeconds(1));

  static class QueueGroupDeliversToEveryMember extends EventBusConformance {
    QueueGroupDeliversToEveryMember() {
      super(IN_MEMORY_BUS);
    }

    @Override
    protected EventBus newBus() {
      return BrokenBackends.queueGroupDeliversToEveryMember();
    }
  }

  static class QueueGroupKeepsClosedMembers extends EventBusConformance {
    QueueGroupKeepsClosedMembers() {
      super(IN_MEMORY_BUS);
    }

    @Override
    protected EventBus newBus() {
      return BrokenBackends.queueGroupKeepsClosedMembers();
    }
  }

  static class DurableForgetsAcks extends EventBusConformance {
    private final ReferenceBus.Transport transport = ReferenceBus.transport(ReferenceBus.Fault.FORGETS_ACKS);

    DurableForgetsAcks() {
      super(EventBusConformance.Capabilities.defaults().withTimeout(Duration.ofSeconds(1)));
    }

    @Override
    protected EventBus newBus() {
      return transport.newBus();
    }
  }

  static class DurableNeverRedelivers extends EventBusConformance {
    private final ReferenceBus.Transport transport = ReferenceBus.transport(ReferenceBus.Fault.NO_REDELIVERY);

    DurableNeverRedelivers() {
      super(EventBusConformance.Capabilities.defaults().withTimeout(Duration.ofSeconds(1)));
    }

    @Override
    protected EventBus newBus() {
      return transport.newBus();
    }
  }

  static class DoNothingSnapshotStore extends SnapshotStoreConformance {
    @Override
    protected SnapshotStore newStore() {
      return DoNothing.snapshotStore();
    }
  }

  static class DoNothingProgressStore extends ProgressStoreConformance {
    @Override
    protected ProgressStore newStore() {
      return DoNothing.progressStore();
    }
  }

  static class DoNothingCommandBus extends CommandBusConformance {
    DoNothingCommandBus() {
      super(IMPATIENT);
    }

    @Override
    protected Transport openTransport() {
      return DoNothing.commandTransport();
    }
  }

  static class BroadcastCommandBus extends CommandBusConformance {
    BroadcastCommandBus() {
      super(IMPATIENT);
    }

    @Override
    protected Transport openTransport() {
      return BrokenBackends.broadcastCommandTransport();
    }
  }

  /** Not a kit: a suite whose nested class fails to set up, for the self-test's own counting. */
  static class NestedClassCannotSetUp {
    @Test
    void runs() {}

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Broken {
      @BeforeAll
      void setUp() {
        throw new IllegalStateException("cannot set up");
      }

      @Test
      void neverRuns() {}
    }
  }
}
