package dev.fabula.nats;

import dev.fabula.spi.Settings;
import io.nats.client.Connection;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Where the NATS buses connect and how they name and keep events: the server (a {@link Connection}
 * of yours, or a URL and connect timeout), the subject prefix, the JetStream stream (name,
 * retention, replicas, storage, de-duplication window) and how long a publish waits for the
 * server. Immutable; build with {@link #builder()} or take {@link #defaults()}.
 *
 * <p>Each event name gets one subject {@code <prefix>.<name as one token>}; the stream of the
 * JetStream bus captures {@code <prefix>.*}. Two applications that must not see each other's
 * events use different prefixes (and stream names).
 */
public final class NatsOptions {
  /** The URL of a local server: {@code nats://127.0.0.1:4222}. */
  public static final String DEFAULT_URL = "nats://127.0.0.1:4222";

  /** The subject prefix {@link #defaults()} uses: {@code fabula.events}. */
  public static final String DEFAULT_SUBJECT_PREFIX = "fabula.events";

  /** The stream name {@link #defaults()} uses: {@code FABULA_EVENTS}. */
  public static final String DEFAULT_STREAM = "FABULA_EVENTS";

  private static final NatsOptions DEFAULTS = builder().build();

  private final @Nullable Connection connection;
  private final String url;
  private final Duration connectTimeout;
  private final String subjectPrefix;
  private final String stream;
  private final RetentionPolicy retention;
  private final int replicas;
  private final StorageType storage;
  private final Duration duplicateWindow;
  private final Duration publishTimeout;

  private NatsOptions(Builder b) {
    connection = b.connection;
    url = b.url;
    connectTimeout = b.connectTimeout;
    subjectPrefix = b.subjectPrefix;
    stream = b.stream;
    retention = b.retention;
    replicas = b.replicas;
    storage = b.storage;
    duplicateWindow = b.duplicateWindow;
    publishTimeout = b.publishTimeout;
  }

  /**
   * A local server ({@value #DEFAULT_URL}, 5 s to connect), prefix {@value #DEFAULT_SUBJECT_PREFIX},
   * stream {@value #DEFAULT_STREAM} kept by limits on file with one replica, a two-minute
   * de-duplication window, 5 s for a publish.
   */
  public static NatsOptions defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The connection given to {@link Builder#connection}, which the bus uses and does not close. */
  public Optional<Connection> connection() {
    return Optional.ofNullable(connection);
  }

  /** The server the bus connects to when no connection is given. */
  public String url() {
    return url;
  }

  /** How long the bus tries to connect at start before it fails. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** The subject prefix. */
  public String subjectPrefix() {
    return subjectPrefix;
  }

  /** The JetStream stream's name. */
  public String stream() {
    return stream;
  }

  /** How the stream keeps messages. */
  public RetentionPolicy retention() {
    return retention;
  }

  /** How many servers keep a copy of the stream. */
  public int replicas() {
    return replicas;
  }

  /** Where the stream keeps messages. */
  public StorageType storage() {
    return storage;
  }

  /** How long JetStream remembers event ids to drop a duplicate publish. */
  public Duration duplicateWindow() {
    return duplicateWindow;
  }

  /** How long a publish waits for the server before it fails with {@link NatsPublishException}. */
  public Duration publishTimeout() {
    return publishTimeout;
  }

  /**
   * Collects the settings; each may be made once (a second call is an {@link
   * IllegalStateException} naming both), and a connection excludes a URL and connect timeout.
   */
  public static final class Builder {
    private final Set<String> made = new HashSet<>();
    private @Nullable Connection connection;
    private String url = DEFAULT_URL;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private String subjectPrefix = DEFAULT_SUBJECT_PREFIX;
    private String stream = DEFAULT_STREAM;
    private RetentionPolicy retention = RetentionPolicy.Limits;
    private int replicas = 1;
    private StorageType storage = StorageType.File;
    private Duration duplicateWindow = Duration.ofMinutes(2);
    private Duration publishTimeout = Duration.ofSeconds(5);

    private Builder() {}

    /**
     * Use this open connection; the bus does not close it. Configure reconnection on it yourself
     * (the bus's own connection reconnects with back-off).
     *
     * @throws IllegalStateException when already set, or a URL or connect timeout was set
     */
    public Builder connection(Connection value) {
      Objects.requireNonNull(value, "connection");
      once("connection", connection, value);
      for (String other : new String[] {"url", "connectTimeout"}) {
        if (made.contains(other)) {
          throw Settings.contradiction(
              Settings.call("connection", value), other + "(...)", "the bus uses the given connection as it is");
        }
      }
      connection = value;
      return this;
    }

    /**
     * The server to connect to, e.g. {@code nats://host:4222}; several separated by commas.
     *
     * @throws IllegalStateException when already set, or a connection was given
     */
    public Builder url(String value) {
      Objects.requireNonNull(value, "url");
      if (value.isBlank()) {
        throw new IllegalArgumentException("the URL must not be blank");
      }
      refuseWithConnection("url", value);
      once("url", url, value);
      url = value;
      return this;
    }

    /**
     * How long to try to connect at start; after it the bus's factory fails.
     *
     * @throws IllegalArgumentException when not positive
     * @throws IllegalStateException when already set, or a connection was given
     */
    public Builder connectTimeout(Duration value) {
      refuseWithConnection("connectTimeout", value);
      connectTimeout = positive("connectTimeout", connectTimeout, value);
      return this;
    }

    /**
     * The subject prefix: dot-separated tokens of letters, digits, {@code -} and {@code _}.
     *
     * @throws IllegalArgumentException when it holds anything else (a wildcard, a space, an empty
     *     token)
     */
    public Builder subjectPrefix(String value) {
      Subjects.checkPrefix(value);
      once("subjectPrefix", subjectPrefix, value);
      subjectPrefix = value;
      return this;
    }

    /**
     * The JetStream stream's name: letters, digits, {@code -} and {@code _}.
     *
     * @throws IllegalArgumentException when it holds anything else
     */
    public Builder stream(String value) {
      Subjects.checkStreamName(value);
      once("stream", stream, value);
      stream = value;
      return this;
    }

    /** How the stream keeps messages (default {@link RetentionPolicy#Limits}). */
    public Builder retention(RetentionPolicy value) {
      Objects.requireNonNull(value, "retention");
      once("retention", retention, value);
      retention = value;
      return this;
    }

    /**
     * How many servers keep a copy of the stream (default 1).
     *
     * @throws IllegalArgumentException when not between 1 and 5
     */
    public Builder replicas(int value) {
      if (value < 1 || value > 5) {
        throw new IllegalArgumentException("replicas must be between 1 and 5, got " + value);
      }
      once("replicas", replicas, value);
      replicas = value;
      return this;
    }

    /** Where the stream keeps messages (default {@link StorageType#File}). */
    public Builder storage(StorageType value) {
      Objects.requireNonNull(value, "storage");
      once("storage", storage, value);
      storage = value;
      return this;
    }

    /** How long JetStream remembers event ids to drop duplicates (default two minutes). */
    public Builder duplicateWindow(Duration value) {
      duplicateWindow = positive("duplicateWindow", duplicateWindow, value);
      return this;
    }

    /** How long a publish waits for the server (default 5 s). */
    public Builder publishTimeout(Duration value) {
      publishTimeout = positive("publishTimeout", publishTimeout, value);
      return this;
    }

    /** The options. */
    public NatsOptions build() {
      return new NatsOptions(this);
    }

    private Duration positive(String setting, Duration earlier, Duration value) {
      Objects.requireNonNull(value, setting);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(setting + " must be positive, got " + value);
      }
      once(setting, earlier, value);
      return value;
    }

    private void refuseWithConnection(String setting, Object value) {
      if (connection != null) {
        throw Settings.contradiction(
            Settings.call(setting, value), "connection(...)", "the bus uses the given connection as it is");
      }
    }

    private void once(String setting, @Nullable Object earlier, Object attempt) {
      Settings.requireUnset(made.contains(setting), setting, earlier, attempt);
      made.add(setting);
    }
  }
}
