package dev.fabula.postgres;

import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.Event;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.event.InvalidEventException;
import dev.fabula.event.OutcomeUnknownException;
import dev.fabula.spi.BatchValidator.Span;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Writes concurrent batches together (ADR 0009): batches of distinct aggregates go into one
 * INSERT, one transaction. Should that group be refused (a conflict, a duplicate id, a broken
 * continuity), each batch is written again on its own, so only the batch at fault fails.
 */
final class GroupWriter implements GroupCommit.Writer<EventWriter.Batch, List<Event<?>>> {
  /** A group commit takes no more events than this (a caller's batch alone may have more). */
  static final int MAX_GROUP_EVENTS = 10_000;

  /** Up to this many pairs of spans are compared one by one; more are looked up by aggregate. */
  private static final int PAIRWISE_SPANS = 64;

  private final EventWriter writer;
  private final LostInsert lostInsert;
  private final String table;
  private final String server;

  GroupWriter(EventWriter writer, LostInsert lostInsert, String table, String server) {
    this.writer = writer;
    this.lostInsert = lostInsert;
    this.table = table;
    this.server = server;
  }

  @Override
  public boolean fits(List<EventWriter.Batch> taken, EventWriter.Batch next) {
    int events = next.events().size();
    int spans = 0;
    for (EventWriter.Batch b : taken) {
      events += b.events().size();
      spans += b.spans().size();
    }
    if (events > MAX_GROUP_EVENTS) {
      return false;
    }
    // The same aggregate twice: at most one of them can be right.
    if ((long) spans * next.spans().size() <= PAIRWISE_SPANS) {
      for (EventWriter.Batch b : taken) {
        for (Span mine : next.spans()) {
          if (spanOf(b.spans(), mine) != null) {
            return false;
          }
        }
      }
      return true;
    }
    Map<Aggregate, Span> takenSpans = new HashMap<>();
    for (EventWriter.Batch b : taken) {
      takenSpans.putAll(byAggregate(b.spans()));
    }
    for (Span mine : next.spans()) {
      if (takenSpans.containsKey(new Aggregate(mine.name(), mine.id()))) {
        return false;
      }
    }
    return true;
  }

  /** A version {@code written} stored is one {@code waiting} claims: its insert can only conflict. */
  @Override
  public @Nullable RuntimeException supersededBy(EventWriter.Batch written, EventWriter.Batch waiting) {
    boolean pairwise = (long) written.spans().size() * waiting.spans().size() <= PAIRWISE_SPANS;
    Map<Aggregate, Span> writtenSpans = pairwise ? Map.of() : byAggregate(written.spans());
    for (Span mine : waiting.spans()) {
      Span theirs = pairwise
          ? spanOf(written.spans(), mine)
          : writtenSpans.get(new Aggregate(mine.name(), mine.id()));
      if (theirs != null && mine.firstVersion() <= theirs.lastVersion()) {
        return new ConcurrencyException(mine.name(), mine.id(), mine.firstVersion() - 1, theirs.lastVersion());
      }
    }
    return null;
  }

  @Override
  public List<GroupCommit.Outcome<List<Event<?>>>> write(List<EventWriter.Batch> group) {
    if (group.size() > 1) {
      List<Event<?>> events = new ArrayList<>();
      List<Span> spans = new ArrayList<>();
      List<EventColumns> columns = new ArrayList<>(group.size());
      for (EventWriter.Batch b : group) {
        events.addAll(b.events());
        spans.addAll(b.spans());
        columns.add(b.columns());
      }
      try {
        List<Event<?>> stored = writer.write(new EventWriter.Batch(events, spans, EventColumns.concat(columns)));
        List<GroupCommit.Outcome<List<Event<?>>>> outcomes = new ArrayList<>(group.size());
        int from = 0;
        for (EventWriter.Batch b : group) {
          int to = from + b.events().size();
          outcomes.add(GroupCommit.Outcome.of(List.copyOf(stored.subList(from, to))));
          from = to;
        }
        return outcomes;
      } catch (PostgresConnectionException lost) {
        // Settled after the connection broke: the group's statement stored nothing. Nothing
        // here is any one batch's fault, and the server may be gone: every batch gets it.
        return failAll(group, lost);
      } catch (OutcomeUnknownException unknown) {
        List<GroupCommit.Outcome<List<Event<?>>>> outcomes = new ArrayList<>(group.size());
        for (EventWriter.Batch b : group) {
          outcomes.add(GroupCommit.Outcome.failed(lostInsert.outcomeUnknown(
              b.events(), "inserting a group of " + events.size() + " events into " + table,
              unknown.getCause() == null ? unknown : unknown.getCause())));
        }
        return outcomes;
      } catch (RuntimeException e) {
        if (!isOneBatchsFault(e)) {
          // A cancelled statement, a server out of resources, a read-only server, a failure
          // after the commit: no batch is at fault, and writing each again could only fail the
          // same way, or (after a commit) report the group's own events as duplicates.
          return failAll(group, e);
        }
        // A conflict, a duplicate id, a broken continuity, a value the server refused, a
        // deadlock: each batch is written again on its own, so that only the batch at fault
        // fails, with the exception it would have had alone (ADR 0009).
      }
    }
    List<GroupCommit.Outcome<List<Event<?>>>> outcomes = new ArrayList<>(group.size());
    RuntimeException connectionLost = null;
    for (EventWriter.Batch b : group) {
      if (connectionLost != null) {
        // Not sent: the server was out of reach a moment ago, and settling each remaining batch
        // could take the whole outcome timeout for nothing.
        outcomes.add(GroupCommit.Outcome.failed(new PostgresConnectionException(
            server, "Did not send " + b.events().size() + " events to " + table
                + " (not stored): the connection was lost writing another batch of their group",
            connectionLost)));
        continue;
      }
      try {
        outcomes.add(GroupCommit.Outcome.of(writer.write(b)));
      } catch (PostgresConnectionException | OutcomeUnknownException e) {
        connectionLost = e;
        outcomes.add(GroupCommit.Outcome.failed(e));
      } catch (RuntimeException e) {
        outcomes.add(GroupCommit.Outcome.failed(e));
      }
    }
    return outcomes;
  }

  /** An Error once the group was on its way: it may have been stored. */
  @Override
  public RuntimeException inFlightFailure(EventWriter.Batch batch, Throwable error) {
    return lostInsert.outcomeUnknown(batch.events(), "inserting " + batch.events().size() + " events into " + table
        + " (the write failed with " + error + ")", error);
  }

  /**
   * Whether a group's failure {@code e} may be one batch's fault, so that writing each batch
   * alone tells which: a conflict, a duplicate id, a broken continuity, an event refused, or a
   * value the server refused (SQLState class 22 data exception, class 23 integrity violation, a
   * trigger's {@code RAISE}, class P0), or a deadlock.
   */
  static boolean isOneBatchsFault(RuntimeException e) {
    if (e instanceof ConcurrencyException || e instanceof DuplicateEventException
        || e instanceof InvalidBatchException || e instanceof InvalidEventException) {
      return true;
    }
    if (e instanceof PostgresException p) {
      String state = p.sqlState();
      return state.startsWith("22") || state.startsWith("23") || state.startsWith("P0") || state.equals(Pg.DEADLOCK);
    }
    return false;
  }

  private static List<GroupCommit.Outcome<List<Event<?>>>> failAll(List<EventWriter.Batch> group, RuntimeException e) {
    List<GroupCommit.Outcome<List<Event<?>>>> outcomes = new ArrayList<>(group.size());
    for (int i = 0; i < group.size(); i++) {
      outcomes.add(GroupCommit.Outcome.failed(e));
    }
    return outcomes;
  }

  /** An aggregate, as a key: a span without its versions. */
  private record Aggregate(String name, UUID id) {}

  private static Map<Aggregate, Span> byAggregate(List<Span> spans) {
    Map<Aggregate, Span> map = new HashMap<>(spans.size() * 2);
    for (Span s : spans) {
      map.put(new Aggregate(s.name(), s.id()), s);
    }
    return map;
  }

  /** The span in {@code spans} of {@code other}'s aggregate, or null. */
  private static @Nullable Span spanOf(List<Span> spans, Span other) {
    for (Span s : spans) {
      if (s.id().equals(other.id()) && s.name().equals(other.name())) {
        return s;
      }
    }
    return null;
  }
}
