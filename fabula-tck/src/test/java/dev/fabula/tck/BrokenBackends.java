package dev.fabula.tck;

import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandHandler;
import dev.fabula.command.DispatchOptions;
import dev.fabula.command.HandlerRegistration;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventHandler;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Subscription;
import dev.fabula.event.SubscriptionOptions;
import dev.fabula.memory.InMemory;
import dev.fabula.proxy.ForwardingEventStore;
import dev.fabula.spi.QueryPlan;
import dev.fabula.tck.command.CommandBusConformance;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Backends with one subtle fault each. The event stores are the real in-memory store behind a
 * wrapper that breaks one promise, so everything else they do is right; so are the event buses,
 * around the in-memory bus; the command bus runs each command on every bus with a handler, with no
 * coordination at all.
 */
final class BrokenBackends {
  private BrokenBackends() {}

  /**
   * Stores every batch of two or more events but its last event, and reports that one stored too,
   * at the position after the batch's last stored one: plausible, so only reading back shows it.
   */
  static EventStore dropsTheLastEventOfABatch() {
    return new Wrapper() {
      @Override
      public List<Event<?>> insert(List<? extends Event<?>> events) {
        if (events == null || events.size() < 2) {
          return super.insert(events);
        }
        List<Event<?>> stored = new ArrayList<>(super.insert(events.subList(0, events.size() - 1)));
        long madeUp = stored.get(stored.size() - 1).position() + 1;
        stored.add(events.get(events.size() - 1).withPosition(madeUp));
        return stored;
      }
    };
  }

  /**
   * Assigns a batch's positions in swapped order: the last two events of every batch of two or
   * more get each other's positions, so the later event sits first in the store's order. The
   * positions are swapped wherever events leave the store, and results in position order are
   * sorted by the swapped positions, as a store that assigned them so would return them (a
   * query's position bound still applies to the positions the in-memory store gave).
   */
  static EventStore reordersTwoPositions() {
    Map<Long, Long> swapped = new ConcurrentHashMap<>();
    UnaryOperator<Event<?>> reported =
        e -> {
          Long other = swapped.get(e.position());
          return other == null ? e : e.withPosition(other);
        };
    return new Wrapper() {
      @Override
      public List<Event<?>> insert(List<? extends Event<?>> events) {
        List<Event<?>> stored = super.insert(events);
        int n = stored.size();
        if (n >= 2) {
          long before = stored.get(n - 2).position();
          long last = stored.get(n - 1).position();
          swapped.put(before, last);
          swapped.put(last, before);
        }
        return stored.stream().map(reported).toList();
      }

      @Override
      public Optional<Event<?>> find(UUID id) {
        return super.find(id).map(reported);
      }

      @Override
      public Stream<Event<?>> query(EventQuery query) {
        List<Event<?>> results;
        try (Stream<Event<?>> s = super.query(query)) {
          results = new ArrayList<>(s.map(reported).toList());
        }
        results.sort(QueryPlan.of(query).comparator());
        return results.stream();
      }
    };
  }

  /** Returns the last two events of every query result of two or more in each other's place. */
  static EventStore swapsTheLastTwoResults() {
    return new Wrapper() {
      @Override
      public Stream<Event<?>> query(EventQuery query) {
        List<Event<?>> results;
        try (Stream<Event<?>> s = super.query(query)) {
          results = new ArrayList<>(s.toList());
        }
        if (results.size() >= 2) {
          Collections.swap(results, results.size() - 2, results.size() - 1);
        }
        return results.stream();
      }
    };
  }

  /**
   * Checks no version: a batch that writes a version already taken replaces the aggregate's events
   * from that version on (the last writer wins) instead of failing with a {@link
   * ConcurrencyException}.
   */
  static EventStore acceptsATakenVersion() {
    return new Wrapper() {
      @Override
      public List<Event<?>> insert(List<? extends Event<?>> events) {
        while (true) {
          try {
            return super.insert(events);
          } catch (ConcurrencyException taken) {
            List<Event<?>> overwritten;
            EventQuery from =
                EventQuery.builder()
                    .aggregate(taken.aggregateName(), taken.aggregateId())
                    .versionMin(taken.expectedVersion() + 1)
                    .build();
            try (Stream<Event<?>> s = super.query(from)) {
              overwritten = s.toList();
            }
            if (overwritten.isEmpty()) {
              throw taken; // nothing left to overwrite: the wrapper cannot help
            }
            super.delete(overwritten);
          }
        }
      }
    };
  }

  /** The in-memory event store, forwarded to; each broken store overrides one method. */
  private static class Wrapper extends ForwardingEventStore {
    Wrapper() {
      super(InMemory.eventStore());
    }
  }

  /**
   * Buses on which every dispatch runs every matching handler of every bus, in the caller's
   * thread, and loses the handlers' errors: no exactly-once, no error propagation, no timeouts.
   */
  static CommandBusConformance.Transport broadcastCommandTransport() {
    record Handler(String name, Predicate<Command<?>> filter, CommandHandler<Object> handler) {}
    List<Handler> handlers = new CopyOnWriteArrayList<>();
    return new CommandBusConformance.Transport() {
      @Override
      public CommandBus newBus(CommandBusOptions options) {
        return new CommandBus() {
          @Override
          @SuppressWarnings("unchecked")
          public void dispatch(Command<?> command, DispatchOptions options) {
            for (Handler h : handlers) {
              if (h.name().equals(command.name()) && h.filter().test(command)) {
                try {
                  h.handler().handle((Command<Object>) command);
                } catch (Exception ignored) {
                  // errors are lost
                }
              }
            }
          }

          @Override
          @SuppressWarnings("unchecked")
          public <P> HandlerRegistration handle(
              String name, Class<P> type, Predicate<? super Command<P>> filter, CommandHandler<P> handler) {
            handlers.add(
                new Handler(
                    name,
                    c -> type.isInstance(c.payload()) && filter.test((Command<P>) c),
                    c -> handler.handle((Command<P>) (Command<?>) c)));
            return DoNothing.registration(name);
          }

          @Override
          public void close() {}
        };
      }

      @Override
      public void close() {}
    };
  }

  /** The in-memory bus, but a queue group is ignored: each member gets every event. */
  static EventBus queueGroupDeliversToEveryMember() {
    return new GroupingBus(true);
  }

  /**
   * The in-memory bus with queue groups of its own: each event goes to one member, chosen by the
   * event's id among every member that ever joined, so a member that closes keeps its share, and
   * its share is lost.
   */
  static EventBus queueGroupKeepsClosedMembers() {
    return new GroupingBus(false);
  }

  /** Subscribes every member of a queue group to the in-memory bus as a plain subscriber. */
  private static final class GroupingBus implements EventBus {
    private final EventBus delegate = InMemory.eventBus();
    private final boolean broadcast;
    private final Map<String, List<Object>> membersByGroup = new ConcurrentHashMap<>();

    GroupingBus(boolean broadcast) {
      this.broadcast = broadcast;
    }

    @Override
    public void publish(List<? extends Event<?>> events) {
      delegate.publish(events);
    }

    @Override
    public Subscription subscribe(Set<String> names, EventHandler handler, SubscriptionOptions options) {
      String group = options.queueGroup();
      SubscriptionOptions plain =
          new SubscriptionOptions(
              options.bufferCapacity(), options.overflowPolicy(), options.onError(), null, options.durable());
      if (group == null || broadcast) {
        return delegate.subscribe(names, handler, plain);
      }
      Object member = new Object();
      List<Object> members = membersByGroup.computeIfAbsent(group, g -> new CopyOnWriteArrayList<>());
      members.add(member);
      return delegate.subscribe(
          names,
          e -> {
            if (members.get(Math.floorMod(e.id().hashCode(), members.size())) == member) {
              handler.handle(e);
            }
          },
          plain);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
