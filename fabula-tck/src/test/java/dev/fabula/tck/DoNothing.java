package dev.fabula.tck;

import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandHandler;
import dev.fabula.command.DispatchOptions;
import dev.fabula.command.HandlerRegistration;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.projection.ProgressStore;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotQuery;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.tck.command.CommandBusConformance;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Backends that keep no promise at all: they store nothing, find nothing, publish nothing, run
 * nothing and never throw. Every correctness test of the kit must fail against them, or it proves
 * nothing.
 */
final class DoNothing {
  private DoNothing() {}

  /** Hands each batch back as if stored (without positions); finds and queries nothing. */
  static EventStore eventStore() {
    return new EventStore() {
      @Override
      public List<Event<?>> insert(List<? extends Event<?>> events) {
        return events == null ? List.of() : new ArrayList<>(events);
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

  /** Publishes nowhere; its subscriptions say they are active and receive nothing. */
  static EventBus eventBus() {
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

  /** Saves nothing and finds nothing. */
  static SnapshotStore snapshotStore() {
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

  /** Every projection stays at 0, and every advance says it succeeded. */
  static ProgressStore progressStore() {
    return new ProgressStore() {
      @Override
      public long position(String projection) {
        return 0;
      }

      @Override
      public boolean advance(String projection, long expected, long position) {
        return true;
      }

      @Override
      public void reset(String projection) {}

      @Override
      public void close() {}
    };
  }

  /** Buses that dispatch nowhere and take every registration without running a handler. */
  static CommandBusConformance.Transport commandTransport() {
    return new CommandBusConformance.Transport() {
      @Override
      public CommandBus newBus(CommandBusOptions options) {
        return new CommandBus() {
          @Override
          public void dispatch(Command<?> command, DispatchOptions options) {}

          @Override
          public <P> HandlerRegistration handle(
              String name, Class<P> type, Predicate<? super Command<P>> filter, CommandHandler<P> handler) {
            return registration(name);
          }

          @Override
          public void close() {}
        };
      }

      @Override
      public void close() {}
    };
  }

  /** A registration for {@code name} whose close does nothing. */
  static HandlerRegistration registration(String name) {
    return new HandlerRegistration() {
      @Override
      public Set<String> commandNames() {
        return Set.of(name);
      }

      @Override
      public void close() {}
    };
  }
}
