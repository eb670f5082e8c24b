package dev.fabula.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotQuery;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.tck.event.EventBusConformance;
import dev.fabula.tck.event.EventStoreConformance;
import dev.fabula.tck.snapshot.SnapshotStoreConformance;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The kit is only worth something if it fails for a backend that keeps none of its promises. Runs
 * each suite against a do-nothing implementation and checks that nearly every test fails.
 */
class KitCatchesBrokenBackendsTest {

  @Test
  void eventStoreSuiteFailsAgainstADoNothingStore() {
    Events stats = run(DoNothingStoreKit.class);
    assertThat(stats.failed().count()).as("failed tests").isGreaterThanOrEqualTo(stats.started().count() - 4);
    assertThat(failedNames(DoNothingStoreKit.class))
        .contains(
            "findsAStoredEventWithEveryFieldIntact()",
            "catchUpReaderSeesEveryEventExactlyOnceUnderConcurrentWriters()",
            "rejectsAVersionAlreadyTakenAndStoresNothingOfTheBatch()",
            "refusesUseAfterClose()");
  }

  @Test
  void eventBusSuiteFailsAgainstADoNothingBus() {
    Events stats = run(DoNothingBusKit.class);
    assertThat(stats.failed().count()).isGreaterThanOrEqualTo(stats.started().count() - 2);
  }

  @Test
  void snapshotSuiteFailsAgainstADoNothingStore() {
    Events stats = run(DoNothingSnapshotKit.class);
    assertThat(stats.failed().count()).isGreaterThanOrEqualTo(stats.started().count() - 1);
  }

  private static Events run(Class<?> kit) {
    return EngineTestKit.engine("junit-jupiter").selectors(selectClass(kit)).execute().testEvents();
  }

  private static List<String> failedNames(Class<?> kit) {
    return EngineTestKit.engine("junit-jupiter").selectors(selectClass(kit)).execute()
        .testEvents().failed().stream()
        .map(e -> e.getTestDescriptor().getDisplayName())
        .toList();
  }

  static class DoNothingStoreKit extends EventStoreConformance {
    @Override
    protected EventStore newStore() {
      return new EventStore() {
        @Override
        public List<Event<?>> insert(List<? extends Event<?>> events) {
          return List.copyOf(events);
        }

        @Override
        public Optional<Event<?>> find(UUID id) {
          return Optional.empty();
        }

        @Override
        public Stream<Event<?>> query(EventQuery query) {
          return Stream.empty();
        }

        @Override
        public void delete(List<? extends Event<?>> events) {}

        @Override
        public long lastPosition() {
          return 0;
        }

        @Override
        public void close() {}
      };
    }

    @Override
    protected int tortureBatchesPerWriter() {
      return 5;
    }
  }

  static class DoNothingBusKit extends EventBusConformance {
    @Override
    protected EventBus newBus() {
      return new EventBus() {
        @Override
        public void publish(List<? extends Event<?>> events) {}

        @Override
        public Subscription subscribe(Set<String> names, EventHandler handler, SubscriptionOptions options) {
          return new Subscription() {
            @Override
            public boolean isActive() {
              return true;
            }

            @Override
            public void close() {}
          };
        }

        @Override
        public void close() {}
      };
    }

    @Override
    protected java.time.Duration timeout() {
      return java.time.Duration.ofMillis(50);
    }
  }

  static class DoNothingSnapshotKit extends SnapshotStoreConformance {
    @Override
    protected SnapshotStore newStore() {
      return new SnapshotStore() {
        @Override
        public void save(Snapshot snapshot) {}

        @Override
        public Optional<Snapshot> latest(String aggregateName, UUID aggregateId) {
          return Optional.empty();
        }

        @Override
        public Optional<Snapshot> version(String aggregateName, UUID aggregateId, int version) {
          return Optional.empty();
        }

        @Override
        public Optional<Snapshot> limit(String aggregateName, UUID aggregateId, int maxVersion) {
          return Optional.empty();
        }

        @Override
        public Stream<Snapshot> query(SnapshotQuery query) {
          return Stream.empty();
        }

        @Override
        public void delete(List<Snapshot> snapshots) {}

        @Override
        public void close() {}
      };
    }
  }
}
