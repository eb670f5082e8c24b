package dev.fabula.console;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.EventStore;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.projection.Schedule;
import dev.fabula.repository.Repository;
import dev.fabula.spi.Settings;
import java.net.InetAddress;
import java.time.InstantSource;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Console} shows and who may use it: the application's event store and codec
 * registry, the aggregate types whose state it may rebuild, the projection schedules it reports on,
 * where it listens, whether write actions (triggering a schedule, rebuilding a projection) are
 * enabled, the password a login takes, how to tell what holds the store's safe horizon back, and
 * where to read the progress the store keeps for projections the console has no schedule of.
 *
 * <p>The password is never kept: {@link Builder#password} hashes it at once (PBKDF2 from the JDK,
 * see {@link #hashPassword}), and {@link Builder#passwordHash} takes a hash made earlier, so that a
 * configuration file holds only the hash. Immutable; made with {@link #builder}, whose settings
 * may each be made once.
 */
public final class ConsoleOptions {
  /** The port {@link Console#start} listens on unless told otherwise. */
  public static final int DEFAULT_PORT = 8089;

  private final EventStore store;
  private final Codec codec;
  private final Map<String, AggregateView<?>> aggregates;
  private final Map<String, Schedule> schedules;
  private final InetAddress bindAddress;
  private final int port;
  private final boolean writesEnabled;
  private final @Nullable String passwordHash;
  private final InstantSource clock;
  private final @Nullable Supplier<Optional<String>> horizonHolder;
  private final @Nullable Supplier<? extends Map<String, Long>> storedProgress;

  private ConsoleOptions(Builder b) {
    store = b.store;
    codec = b.codec == null ? JacksonCodec.create(b.registry) : b.codec;
    aggregates = Map.copyOf(b.aggregates);
    schedules = Collections.unmodifiableMap(new LinkedHashMap<>(b.schedules));
    bindAddress = b.bindAddress == null ? InetAddress.getLoopbackAddress() : b.bindAddress;
    port = b.port == null ? DEFAULT_PORT : b.port;
    writesEnabled = b.writesEnabled != null && b.writesEnabled;
    passwordHash = b.passwordHash;
    clock = b.clock == null ? InstantSource.system() : b.clock;
    horizonHolder = b.horizonHolder;
    storedProgress = b.storedProgress;
  }

  /**
   * A builder for a console over {@code store}, whose events' payloads are shown as {@code
   * registry} encodes them.
   */
  public static Builder builder(EventStore store, CodecRegistry registry) {
    return new Builder(store, registry);
  }

  /**
   * A PBKDF2 hash of {@code password} (HMAC-SHA-512, 210,000 iterations, a random 16-byte salt),
   * in the form {@link Builder#passwordHash} takes: {@code pbkdf2-sha512$iterations$salt$hash},
   * salt and hash in Base64. Clears nothing: the caller owns {@code password}.
   *
   * @throws IllegalArgumentException when the password is shorter than 8 characters
   */
  public static String hashPassword(char[] password) {
    return Passwords.hash(password);
  }

  EventStore store() {
    return store;
  }

  Codec codec() {
    return codec;
  }

  Map<String, AggregateView<?>> aggregates() {
    return aggregates;
  }

  Map<String, Schedule> schedules() {
    return schedules;
  }

  InetAddress bindAddress() {
    return bindAddress;
  }

  int port() {
    return port;
  }

  boolean writesEnabled() {
    return writesEnabled;
  }

  @Nullable String passwordHash() {
    return passwordHash;
  }

  InstantSource clock() {
    return clock;
  }

  @Nullable Supplier<Optional<String>> horizonHolder() {
    return horizonHolder;
  }

  @Nullable Supplier<? extends Map<String, Long>> storedProgress() {
    return storedProgress;
  }

  /** An aggregate type the console may rebuild, and how its state is shown. */
  record AggregateView<A extends AggregateRoot>(Repository<A> repository, Function<? super A, ?> view) {
    Object stateOf(AggregateRoot aggregate) {
      @SuppressWarnings("unchecked")
      A typed = (A) aggregate;
      return Objects.requireNonNull(view.apply(typed), "the state view returned null");
    }
  }

  /** Collects the settings; each may be made once, a second time fails at once. */
  public static final class Builder {
    private final EventStore store;
    private final CodecRegistry registry;
    private @Nullable Codec codec;
    private final Map<String, AggregateView<?>> aggregates = new LinkedHashMap<>();
    private final Map<String, Schedule> schedules = new LinkedHashMap<>();
    private @Nullable InetAddress bindAddress;
    private @Nullable Integer port;
    private @Nullable Boolean writesEnabled;
    private @Nullable String passwordHash;
    private @Nullable InstantSource clock;
    private @Nullable Supplier<Optional<String>> horizonHolder;
    private @Nullable Supplier<? extends Map<String, Long>> storedProgress;

    private Builder(EventStore store, CodecRegistry registry) {
      this.store = Objects.requireNonNull(store, "store");
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * The codec that encodes payloads for display, instead of a {@link JacksonCodec} with the
     * default mapper; it must encode with the builder's registry.
     *
     * @throws IllegalArgumentException when the codec has another registry
     */
    public Builder codec(Codec value) {
      Objects.requireNonNull(value, "codec");
      Settings.requireUnset(codec != null, "codec", codec, value);
      if (value.registry() != registry) {
        throw new IllegalArgumentException("the codec must use the registry given to ConsoleOptions.builder");
      }
      codec = value;
      return this;
    }

    /**
     * Lets the console rebuild aggregates of {@code repository}'s type at any version and show
     * their state as {@code view} maps it (to a record, map or other value the console's JSON
     * encoder can write). Only the types given here are ever rebuilt.
     *
     * @throws IllegalStateException when the aggregate type is already registered
     */
    public <A extends AggregateRoot> Builder aggregate(Repository<A> repository, Function<? super A, ?> view) {
      Objects.requireNonNull(repository, "repository");
      Objects.requireNonNull(view, "view");
      String name = repository.aggregateName();
      if (aggregates.containsKey(name)) {
        throw Settings.repeated(Settings.call("aggregate", name), Settings.call("aggregate", name));
      }
      aggregates.put(name, new AggregateView<>(repository, view));
      return this;
    }

    /**
     * {@link #aggregate(Repository, Function)} showing an aggregate's state as its {@code
     * toString()}.
     */
    public <A extends AggregateRoot> Builder aggregate(Repository<A> repository) {
      return aggregate(repository, a -> a.toString());
    }

    /**
     * Reports on {@code schedule} under {@code name}: its position, head, lag and dead letters;
     * with writes enabled, the console may trigger it or rebuild its projections.
     *
     * @throws IllegalArgumentException when the name is blank
     * @throws IllegalStateException when the name is already taken
     */
    public Builder schedule(String name, Schedule schedule) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(schedule, "schedule");
      if (name.isBlank()) {
        throw new IllegalArgumentException("schedule name must not be blank");
      }
      if (schedules.containsKey(name)) {
        throw Settings.repeated(
            Settings.call("schedule", name, schedules.get(name)), Settings.call("schedule", name, schedule));
      }
      schedules.put(name, schedule);
      return this;
    }

    /**
     * The address {@link Console#start} listens on; the loopback address unless told otherwise.
     * Any other address needs a password ({@link UnprotectedConsoleException} otherwise).
     */
    public Builder bindAddress(InetAddress value) {
      Objects.requireNonNull(value, "bindAddress");
      Settings.requireUnset(bindAddress != null, "bindAddress", bindAddress, value);
      bindAddress = value;
      return this;
    }

    /**
     * The port {@link Console#start} listens on ({@value #DEFAULT_PORT} unless told otherwise;
     * {@code 0} picks a free one, see {@link Console#port()}).
     *
     * @throws IllegalArgumentException when the port is not between 0 and 65535
     */
    public Builder port(int value) {
      if (value < 0 || value > 65535) {
        throw new IllegalArgumentException("port must be between 0 and 65535, got " + value);
      }
      Settings.requireUnset(port != null, "port", port, value);
      port = value;
      return this;
    }

    /**
     * Whether the console may change anything (trigger schedules, rebuild projections); off
     * unless enabled here. Every write also needs the session's CSRF token.
     */
    public Builder writesEnabled(boolean value) {
      Settings.requireUnset(writesEnabled != null, "writesEnabled", writesEnabled, value);
      writesEnabled = value;
      return this;
    }

    /**
     * Requires a login with this password (or it as a bearer token); hashed at once, the array is
     * not kept (the caller may clear it).
     *
     * @throws IllegalArgumentException when the password is shorter than 8 characters
     */
    public Builder password(char[] value) {
      Objects.requireNonNull(value, "password");
      Settings.requireUnset(passwordHash != null, "password", "…", "…");
      passwordHash = Passwords.hash(value);
      return this;
    }

    /**
     * Requires a login with the password whose {@link #hashPassword hash} this is.
     *
     * @throws IllegalArgumentException when the text is not such a hash
     */
    public Builder passwordHash(String value) {
      Objects.requireNonNull(value, "passwordHash");
      Settings.requireUnset(passwordHash != null, "password", "…", "…");
      Passwords.parse(value);
      passwordHash = value;
      return this;
    }

    /** The clock that times login sessions out (for tests); the system clock otherwise. */
    public Builder clock(InstantSource value) {
      Objects.requireNonNull(value, "clock");
      Settings.requireUnset(clock != null, "clock", clock, value);
      clock = value;
      return this;
    }

    /**
     * Tells the overview what holds the store's safe horizon back: {@code description} answers,
     * each time the overview is asked, a one-line description of it (on PostgreSQL, the oldest open
     * write transaction, e.g. {@code () -> Postgres.horizonHolder(ds).map(HorizonHolder::describe)}),
     * or empty when nothing does. Without it the overview says it cannot tell. Should it throw, the
     * overview shows its message instead.
     */
    public Builder horizonHolder(Supplier<Optional<String>> description) {
      Objects.requireNonNull(description, "description");
      Settings.requireUnset(horizonHolder != null, "horizonHolder", horizonHolder, description);
      horizonHolder = description;
      return this;
    }

    /**
     * Shows, read only, the projections whose progress a store keeps, beside the {@link #schedule
     * schedules}: {@code positions} answers, each time the projections page is asked, every stored
     * projection's position by name (e.g. {@code progressStore::positions}, {@link
     * dev.fabula.projection.ProgressStore#positions}); the console adds the event store's head and
     * the lag. Such rows have the status {@code stored progress} and no actions: without the
     * application's schedule the console cannot run them. Should it throw, the page shows its
     * message instead of the rows.
     */
    public Builder storedProgress(Supplier<? extends Map<String, Long>> positions) {
      Objects.requireNonNull(positions, "positions");
      Settings.requireUnset(storedProgress != null, "storedProgress", storedProgress, positions);
      storedProgress = positions;
      return this;
    }

    /** The options. */
    public ConsoleOptions build() {
      return new ConsoleOptions(this);
    }
  }
}
