package dev.fabula.telemetry;

import dev.fabula.ClosedException;
import dev.fabula.command.CommandExecutionException;
import dev.fabula.command.CommandRejectedException;
import dev.fabula.command.DispatchTimeoutException;
import dev.fabula.command.NoHandlerException;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.Event;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.event.InvalidEventException;
import dev.fabula.event.OutcomeUnknownException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The bounded values both instrumentations tag and name with: outcomes and aggregate names. */
final class Tags {
  static final String SUCCESS = "success";
  static final String NONE = "none";
  static final String MIXED = "mixed";

  private Tags() {}

  /** The outcome of an operation that threw {@code failure} (null: it succeeded). */
  static String outcome(@Nullable Throwable failure) {
    if (failure == null) {
      return SUCCESS;
    }
    return switch (failure) {
      case ConcurrencyException e -> "conflict";
      case DuplicateEventException e -> "duplicate";
      case InvalidEventException e -> "invalid";
      case InvalidBatchException e -> "invalid";
      case OutcomeUnknownException e -> "unknown";
      case CommandExecutionException e -> "failed";
      case CommandRejectedException e -> "rejected";
      case NoHandlerException e -> "no_handler";
      case DispatchTimeoutException e -> "timeout";
      case ClosedException e -> "closed";
      default -> "error";
    };
  }

  /** The aggregate name all events share, {@link #NONE} when none has one, else {@link #MIXED}. */
  static String aggregateOf(List<? extends Event<?>> events) {
    String name = null;
    boolean without = false;
    for (Event<?> e : events) {
      AggregateRef ref = e.aggregateOrNull();
      if (ref == null) {
        without = true;
      } else if (name == null) {
        name = ref.name();
      } else if (!name.equals(ref.name())) {
        return MIXED;
      }
    }
    if (name == null) {
      return NONE;
    }
    return without ? MIXED : name;
  }
}
