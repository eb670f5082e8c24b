package dev.fabula.command;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.repository.Repository;
import dev.fabula.spi.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The commands an aggregate type handles, declared next to the aggregate, and the glue that runs
 * each through {@link Repository#use}: fetch the target aggregate, run the before-hooks, the
 * command's action and the after-hooks on it, save its changes.
 *
 * <pre>{@code
 * public final class Product extends AggregateRoot {
 *   public static final AggregateCommands<Product> COMMANDS =
 *       AggregateCommands.<Product>builder()
 *           .on("product.create", CreateProduct.class, (p, c) -> p.create(c.payload().name(), c.payload().price()))
 *           .on("product.change-price", ChangePrice.class, (p, c) -> p.changePrice(c.payload().price()))
 *           .build();
 *   ...
 * }
 * // at start-up:
 * HandlerRegistration registration = Product.COMMANDS.subscribe(commandBus, products);
 * }</pre>
 *
 * <p>What the handlers promise:
 *
 * <ul>
 *   <li>The command must target an aggregate of the repository's name; otherwise it fails with
 *       {@link #NO_AGGREGATE} or {@link #WRONG_AGGREGATE} before anything is fetched.
 *   <li>The stored events carry the command's {@linkplain Command#causedMetadata() metadata}: its
 *       entries, the command's id as causation id, and its correlation id (or its id).
 *   <li>On a version conflict, {@code use} retries per the repository's policy: hooks and action
 *       run again, on fresh state. Anything they throw fails the command, with nothing saved.
 * </ul>
 *
 * <p>Immutable; one declaration serves any number of buses and repositories.
 *
 * @param <A> the aggregate type
 */
public final class AggregateCommands<A extends AggregateRoot> {
  /** Error code of a command that names no target aggregate. */
  public static final String NO_AGGREGATE = "fabula.command.no-aggregate";

  /** Error code of a command whose target aggregate has another name than the repository's. */
  public static final String WRONG_AGGREGATE = "fabula.command.wrong-aggregate";

  /**
   * What a command does to its aggregate: usually calls one domain method.
   *
   * @param <A> the aggregate type
   * @param <P> the payload type
   */
  @FunctionalInterface
  public interface Action<A, P> {
    /** Applies {@code command} to {@code aggregate}, by raising events. */
    void execute(A aggregate, Command<P> command) throws Exception;
  }

  /**
   * Runs before or after every command's action, on the same aggregate instance (for checks,
   * authorisation, logging). Throwing fails the command.
   *
   * @param <A> the aggregate type
   */
  @FunctionalInterface
  public interface Hook<A> {
    /** Runs for {@code command} on {@code aggregate}. */
    void run(A aggregate, Command<?> command) throws Exception;
  }

  private record Handled<A, P>(Class<P> type, Action<A, P> action) {}

  private record Rejection(Class<? extends Exception> type, String code) {}

  private final Map<String, Handled<A, ?>> handled;
  private final List<Rejection> rejections;
  private final List<Hook<A>> before;
  private final List<Hook<A>> after;

  private AggregateCommands(Builder<A> b) {
    this.handled = Map.copyOf(b.handled);
    this.rejections = List.copyOf(b.rejections);
    this.before = List.copyOf(b.before);
    this.after = List.copyOf(b.after);
  }

  /** A builder for the commands of aggregates of type {@code A}. */
  public static <A extends AggregateRoot> Builder<A> builder() {
    return new Builder<>();
  }

  /** The names of the commands declared. */
  public Set<String> commandNames() {
    return handled.keySet();
  }

  /**
   * Registers a handler on {@code bus} for every declared command, running it through {@code
   * repository}. Closing the returned registration unregisters them all.
   *
   * @throws DuplicateHandlerException when {@code bus} already has a handler for one of the names;
   *     then none is registered
   */
  public HandlerRegistration subscribe(CommandBus bus, Repository<A> repository) {
    Objects.requireNonNull(bus, "bus");
    Objects.requireNonNull(repository, "repository");
    var registrations = new ArrayList<HandlerRegistration>();
    try {
      handled.forEach((name, h) -> registrations.add(register(bus, repository, name, h)));
    } catch (RuntimeException e) {
      registrations.forEach(HandlerRegistration::close);
      throw e;
    }
    var names = handled.keySet();
    return new HandlerRegistration() {
      @Override
      public Set<String> commandNames() {
        return names;
      }

      @Override
      public void close() {
        registrations.forEach(HandlerRegistration::close);
      }
    };
  }

  private <P> HandlerRegistration register(
      CommandBus bus, Repository<A> repository, String name, Handled<A, P> h) {
    return bus.handle(name, h.type(), command -> execute(repository, command, h.action()));
  }

  private <P> void execute(Repository<A> repository, Command<P> command, Action<A, P> action)
      throws Exception {
    UUID id = targetId(repository.aggregateName(), command);
    try {
      repository.use(
          id,
          command.causedMetadata(),
          aggregate -> {
            try {
              for (Hook<A> hook : before) {
                hook.run(aggregate, command);
              }
              action.execute(aggregate, command);
              for (Hook<A> hook : after) {
                hook.run(aggregate, command);
              }
            } catch (RuntimeException e) {
              throw e;
            } catch (Exception e) {
              throw new CheckedFailure(e);
            }
          });
    } catch (CheckedFailure f) {
      throw rejection(f.checked);
    } catch (RuntimeException e) {
      throw rejection(e);
    }
  }

  /** The exception as a {@link CommandRejectedException} when its type is declared a rejection. */
  private Exception rejection(Exception e) {
    for (Rejection r : rejections) {
      if (r.type().isInstance(e)) {
        String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        return new CommandRejectedException(
            r.code(), message, Map.of(CommandError.EXCEPTION_DETAIL, e.getClass().getName()), e);
      }
    }
    return e;
  }

  private static UUID targetId(String aggregateName, Command<?> command) {
    AggregateTarget target = command.aggregateOrNull();
    if (target == null) {
      throw new CommandRejectedException(
          NO_AGGREGATE,
          "command '" + command.name() + "' has no aggregate target, but its handler works on "
              + aggregateName + " aggregates; create it with Command.forAggregate(\"" + aggregateName + "\", id)");
    }
    if (!target.name().equals(aggregateName)) {
      throw new CommandRejectedException(
          WRONG_AGGREGATE,
          "command '" + command.name() + "' targets aggregate type " + target.name()
              + ", but its handler works on " + aggregateName + " aggregates",
          Map.of("expected", aggregateName, "actual", target.name()));
    }
    return target.id();
  }

  /** Carries a checked exception through {@link Repository#use}'s {@code Consumer}. */
  private static final class CheckedFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Exception checked;

    CheckedFailure(Exception checked) {
      super(checked.getMessage(), checked, false, false);
      this.checked = checked;
    }
  }

  /**
   * Collects the declared commands and hooks. Each command name, and each rejected exception type,
   * may be declared once: a second declaration, or a rejection an earlier one always wins over,
   * fails at once with an {@link IllegalStateException} naming both. Hooks accumulate.
   *
   * @param <A> the aggregate type
   */
  public static final class Builder<A extends AggregateRoot> {
    private final Map<String, Handled<A, ?>> handled = new LinkedHashMap<>();
    private final List<Rejection> rejections = new ArrayList<>();
    private final List<Hook<A>> before = new ArrayList<>();
    private final List<Hook<A>> after = new ArrayList<>();

    private Builder() {}

    /**
     * Declares that commands named {@code name}, with payloads of {@code payloadType}, are handled
     * by running {@code action} on their target aggregate.
     *
     * @throws IllegalArgumentException when {@code name} is blank
     * @throws IllegalStateException when {@code name} is already declared
     */
    public <P> Builder<A> on(String name, Class<P> payloadType, Action<A, P> action) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(payloadType, "payloadType");
      Objects.requireNonNull(action, "action");
      if (name.isBlank()) {
        throw new IllegalArgumentException("command name must not be blank");
      }
      Handled<A, ?> earlier = handled.putIfAbsent(name, new Handled<>(payloadType, action));
      if (earlier != null) {
        throw Settings.repeated(
            "on(\"" + name + "\", " + earlier.type().getName() + ".class, …)",
            "on(\"" + name + "\", " + payloadType.getName() + ".class, …)");
      }
      return this;
    }

    /**
     * Declares that exceptions of {@code type} (and its subtypes) thrown by an action or hook are
     * rejections with {@code code}: the caller gets a {@link CommandExecutionException} with that
     * code, the exception's message, and its class name under {@link CommandError#EXCEPTION_DETAIL}.
     * Lets domain code keep its own exceptions without depending on the command package. The first
     * matching declaration wins, so a declaration that an earlier one would always win over is
     * refused.
     *
     * @throws IllegalArgumentException when {@code code} is blank
     * @throws IllegalStateException when {@code type}, or a supertype of it, is already declared
     */
    public Builder<A> reject(Class<? extends Exception> type, String code) {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(code, "code");
      if (code.isBlank()) {
        throw new IllegalArgumentException("rejection code must not be blank");
      }
      for (Rejection earlier : rejections) {
        if (earlier.type() == type) {
          throw Settings.repeated(
              Settings.call("reject", earlier.type(), earlier.code()), Settings.call("reject", type, code));
        }
        if (earlier.type().isAssignableFrom(type)) {
          throw Settings.contradiction(
              Settings.call("reject", type, code),
              Settings.call("reject", earlier.type(), earlier.code()),
              "the earlier declaration matches every " + type.getSimpleName() + " first, so this one would never apply");
        }
      }
      rejections.add(new Rejection(type, code));
      return this;
    }

    /** Adds a hook that runs before every command's action, in the order added. */
    public Builder<A> before(Hook<A> hook) {
      before.add(Objects.requireNonNull(hook, "hook"));
      return this;
    }

    /** Adds a hook that runs after every command's action, before the save, in the order added. */
    public Builder<A> after(Hook<A> hook) {
      after.add(Objects.requireNonNull(hook, "hook"));
      return this;
    }

    /**
     * The declaration.
     *
     * @throws IllegalStateException when no command was declared
     */
    public AggregateCommands<A> build() {
      if (handled.isEmpty()) {
        throw new IllegalStateException("declare at least one command with on(...)");
      }
      return new AggregateCommands<>(this);
    }
  }
}
