package dev.fabula.mongodb;

import dev.fabula.spi.Settings;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Where the MongoDB stores keep their documents and how they behave: the database, one
 * collection per store, whether missing indexes are created, how long a hole in the positions
 * may stay open before a reader closes it, and cursor batch sizes. Immutable; build with {@link
 * #builder()}.
 *
 * <p>Every name is checked against MongoDB's naming rules when it is set, and refused with a
 * {@link MongoNameException} that says which rule it breaks; no name reaches the server
 * unchecked.
 */
public final class MongoOptions {
  /** Whether the stores create what they need or only check that it is there. */
  public enum IndexPolicy {
    /** Missing collections and indexes are created on first use; existing ones are checked. */
    CREATE,
    /**
     * Nothing is created: the first use checks that the indexes exist with the options Fabula
     * needs, and fails with a {@link MongoSchemaException} naming what is missing.
     */
    VALIDATE
  }

  private static final MongoOptions DEFAULTS = builder().build();

  private final String database;
  private final String eventsCollection;
  private final String snapshotsCollection;
  private final String progressCollection;
  private final IndexPolicy indexPolicy;
  private final Duration gapTimeout;
  private final int batchSize;
  private final Duration outcomeTimeout;

  private MongoOptions(Builder b) {
    this.database = b.database;
    this.eventsCollection = b.eventsCollection;
    this.snapshotsCollection = b.snapshotsCollection;
    this.progressCollection = b.progressCollection;
    this.indexPolicy = b.indexPolicy;
    this.gapTimeout = b.gapTimeout;
    this.batchSize = b.batchSize;
    this.outcomeTimeout = b.outcomeTimeout;
  }

  /**
   * Database {@code fabula}; collections {@code fabula_events}, {@code fabula_snapshots}, {@code
   * fabula_progress}; policy CREATE; gap timeout 1 s; batch size 1000; outcome timeout 10 s.
   */
  public static MongoOptions defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The database holding the collections. */
  public String database() {
    return database;
  }

  /** The collection of events (one document per stored batch). */
  public String eventsCollection() {
    return eventsCollection;
  }

  /** The collection of snapshots. */
  public String snapshotsCollection() {
    return snapshotsCollection;
  }

  /** The collection of projection progress. */
  public String progressCollection() {
    return progressCollection;
  }

  /** Whether missing indexes are created or only checked. */
  public IndexPolicy indexPolicy() {
    return indexPolicy;
  }

  /**
   * How long a reader that follows the store waits for a position that a writer took but has not
   * stored yet, before it closes the hole so that it can read on (the writer then stores its
   * batch at a new position). Only latency depends on it, never correctness: see ADR 0019.
   */
  public Duration gapTimeout() {
    return gapTimeout;
  }

  /** Documents fetched per round trip by streaming queries. */
  public int batchSize() {
    return batchSize;
  }

  /** How long an insert whose connection broke tries to learn whether its batch was stored. */
  public Duration outcomeTimeout() {
    return outcomeTimeout;
  }

  @Override
  public String toString() {
    return "MongoOptions[database=" + database + ", eventsCollection=" + eventsCollection
        + ", snapshotsCollection=" + snapshotsCollection + ", progressCollection=" + progressCollection
        + ", indexPolicy=" + indexPolicy + ", gapTimeout=" + gapTimeout + ", batchSize=" + batchSize
        + ", outcomeTimeout=" + outcomeTimeout + "]";
  }

  /**
   * Builds {@link MongoOptions}. Each setting may be made once; a second call, or a collection
   * name another collection already has, fails with an {@link IllegalStateException} naming both
   * settings.
   */
  public static final class Builder {
    private static final List<String> COLLECTIONS =
        List.of("eventsCollection", "snapshotsCollection", "progressCollection");
    private final Set<String> made = new HashSet<>();
    private String database = "fabula";
    private String eventsCollection = "fabula_events";
    private String snapshotsCollection = "fabula_snapshots";
    private String progressCollection = "fabula_progress";
    private IndexPolicy indexPolicy = IndexPolicy.CREATE;
    private Duration gapTimeout = Duration.ofSeconds(1);
    private int batchSize = 1000;
    private Duration outcomeTimeout = Duration.ofSeconds(10);

    private Builder() {}

    /**
     * The database holding the collections.
     *
     * @throws MongoNameException when MongoDB does not allow the name for a database
     * @throws IllegalStateException when already set
     */
    public Builder database(String name) {
      MongoNames.requireDatabase(name);
      once("database", database, name);
      database = name;
      return this;
    }

    /**
     * The collection of events.
     *
     * @throws MongoNameException when MongoDB does not allow the name for a collection
     * @throws IllegalStateException when already set, or when another collection set has this name
     */
    public Builder eventsCollection(String name) {
      MongoNames.requireCollection(name);
      collection("eventsCollection", eventsCollection, name);
      eventsCollection = name;
      return this;
    }

    /**
     * The collection of snapshots.
     *
     * @throws MongoNameException when MongoDB does not allow the name for a collection
     * @throws IllegalStateException when already set, or when another collection set has this name
     */
    public Builder snapshotsCollection(String name) {
      MongoNames.requireCollection(name);
      collection("snapshotsCollection", snapshotsCollection, name);
      snapshotsCollection = name;
      return this;
    }

    /**
     * The collection of projection progress.
     *
     * @throws MongoNameException when MongoDB does not allow the name for a collection
     * @throws IllegalStateException when already set, or when another collection set has this name
     */
    public Builder progressCollection(String name) {
      MongoNames.requireCollection(name);
      collection("progressCollection", progressCollection, name);
      progressCollection = name;
      return this;
    }

    /**
     * Whether missing indexes are created ({@link IndexPolicy#CREATE}) or only checked.
     *
     * @throws IllegalStateException when already set
     */
    public Builder indexPolicy(IndexPolicy policy) {
      Objects.requireNonNull(policy, "policy");
      once("indexPolicy", indexPolicy, policy);
      indexPolicy = policy;
      return this;
    }

    /**
     * How long a reader waits for a taken position to be stored before it closes the hole (see
     * {@link MongoOptions#gapTimeout()}).
     *
     * @throws IllegalArgumentException when negative
     * @throws IllegalStateException when already set
     */
    public Builder gapTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("gap timeout must not be negative, got " + timeout);
      }
      once("gapTimeout", gapTimeout, timeout);
      gapTimeout = timeout;
      return this;
    }

    /**
     * Documents fetched per round trip by streaming queries.
     *
     * @throws IllegalArgumentException when not positive
     * @throws IllegalStateException when already set
     */
    public Builder batchSize(int documents) {
      if (documents < 1) {
        throw new IllegalArgumentException("batch size must be positive, got " + documents);
      }
      once("batchSize", batchSize, documents);
      batchSize = documents;
      return this;
    }

    /**
     * How long an insert whose connection broke tries to learn whether its batch was stored.
     *
     * @throws IllegalArgumentException when negative
     * @throws IllegalStateException when already set
     */
    public Builder outcomeTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("outcome timeout must not be negative, got " + timeout);
      }
      once("outcomeTimeout", outcomeTimeout, timeout);
      outcomeTimeout = timeout;
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalStateException when two collections have the same name (one set, the other
     *     its default)
     */
    public MongoOptions build() {
      Settings.requireDistinctNames(COLLECTIONS, made, this::collectionName, "collections");
      return new MongoOptions(this);
    }

    private void once(String setting, Object earlier, Object attempt) {
      Settings.requireUnset(made.contains(setting), setting, earlier, attempt);
      made.add(setting);
    }

    private void collection(String setting, String earlier, String name) {
      Settings.requireUnset(made.contains(setting), setting, earlier, name);
      Settings.requireUnsharedName(setting, name, COLLECTIONS, made, this::collectionName, "collections");
      made.add(setting);
    }

    private String collectionName(String setting) {
      return switch (setting) {
        case "eventsCollection" -> eventsCollection;
        case "snapshotsCollection" -> snapshotsCollection;
        case "progressCollection" -> progressCollection;
        default -> throw new IllegalArgumentException("no collection setting " + setting);
      };
    }
  }
}
