package dev.fabula.command;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/** The handlers of one bus, at most one per command name. Thread-safe. */
final class HandlerTable {
  private final Map<String, Entry<?>> entries = new ConcurrentHashMap<>();

  /** One registered handler with its payload type and filter. */
  record Entry<P>(
      String name, Class<P> type, Predicate<? super Command<P>> filter, CommandHandler<P> handler) {
    Entry {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "payloadType");
      Objects.requireNonNull(filter, "filter");
      Objects.requireNonNull(handler, "handler");
      if (name.isBlank()) {
        throw new IllegalArgumentException("command name must not be blank");
      }
    }

    /** Whether the payload has the handler's type and the filter accepts the command. */
    boolean accepts(Command<?> command) {
      return type.isInstance(command.payload()) && filter.test(cast(command));
    }

    void run(Command<?> command) throws Exception {
      handler.handle(cast(command));
    }

    @SuppressWarnings("unchecked") // checked by accepts(): the payload is a P
    private Command<P> cast(Command<?> command) {
      return (Command<P>) command;
    }
  }

  /**
   * Adds the entry.
   *
   * @throws DuplicateHandlerException when the name already has one
   */
  HandlerRegistration add(Entry<?> entry) {
    if (entries.putIfAbsent(entry.name(), entry) != null) {
      throw new DuplicateHandlerException(entry.name());
    }
    var open = new AtomicBoolean(true);
    return new HandlerRegistration() {
      @Override
      public Set<String> commandNames() {
        return Set.of(entry.name());
      }

      @Override
      public void close() {
        if (open.compareAndSet(true, false)) {
          entries.remove(entry.name(), entry);
        }
      }
    };
  }

  @Nullable Entry<?> get(String name) {
    return entries.get(name);
  }
}
