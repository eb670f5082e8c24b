package dev.fabula.tck;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import dev.fabula.spi.UuidV7;
import java.time.Instant;
import java.util.UUID;

/**
 * The event and snapshot types the conformance kit stores, and a {@link CodecRegistry} that knows
 * them. A persistent backend builds its codec from {@link #registry()} (or adds the kit's types to
 * its own with {@link #registerAll}) before it runs the kit.
 */
public final class TckData {
  /** Name of the kit's first event type. */
  public static final String ALPHA = "tck.alpha";
  /** Name of the kit's second event type. */
  public static final String BETA = "tck.beta";
  /** Name of the kit's third event type. */
  public static final String GAMMA = "tck.gamma";
  /** The aggregate name the kit's snapshots belong to. */
  public static final String AGGREGATE = "tck.aggregate";
  /** A second aggregate name with snapshots, sorting before {@link #AGGREGATE}. */
  public static final String OTHER_AGGREGATE = "tck.account";

  private TckData() {}

  /**
   * Data of {@link #ALPHA} events.
   *
   * @param text some text
   */
  public record Alpha(String text) {}

  /**
   * Data of {@link #BETA} events.
   *
   * @param number some number
   */
  public record Beta(long number) {}

  /**
   * Data of {@link #GAMMA} events.
   *
   * @param label a label
   * @param at a time, to check nested times round-trip
   */
  public record Gamma(String label, Instant at) {}

  /**
   * Snapshot state of {@link #AGGREGATE}.
   *
   * @param total a running total
   * @param label a label
   */
  public record State(long total, String label) {}

  /** The name of the kit's read model, {@link Tally}. */
  public static final String TALLY = "tck.tally";

  /**
   * The kit's read model: a count and the labels added to it, by id.
   *
   * @param id the model's id
   * @param count a count
   * @param labels labels, in the order they were added
   */
  public record Tally(String id, long count, java.util.List<String> labels) {
    /** Copies the labels. */
    public Tally {
      labels = java.util.List.copyOf(labels);
    }

    /** A tally at zero without labels. */
    public static Tally empty(String id) {
      return new Tally(id, 0, java.util.List.of());
    }

    /** This tally plus one, with {@code label} added. */
    public Tally plus(String label) {
      var next = new java.util.ArrayList<>(labels);
      next.add(label);
      return new Tally(id, count + 1, next);
    }
  }

  /** A registry with every type the kit stores. */
  public static CodecRegistry registry() {
    return registerAll(CodecRegistry.builder()).build();
  }

  /** Registers every type the kit stores into {@code builder}. */
  public static CodecRegistry.Builder registerAll(CodecRegistry.Builder builder) {
    return builder
        .register(ALPHA, Alpha.class)
        .register(BETA, Beta.class)
        .register(GAMMA, Gamma.class)
        .register(TALLY, Tally.class)
        .registerSnapshot(AGGREGATE, State.class)
        .registerSnapshot(OTHER_AGGREGATE, State.class);
  }

  /** A fresh alpha event without aggregate. */
  public static Event<Alpha> alpha(String text) {
    return Event.create(ALPHA, new Alpha(text));
  }

  /** A fresh beta event of aggregate {@code name}/{@code id} at {@code version}. */
  public static Event<Beta> beta(String name, UUID id, int version) {
    return Event.create(BETA, new Beta(version)).withAggregate(name, id, version);
  }

  /** An event with all fields chosen by the caller. */
  public static <D> Event<D> event(String eventName, D data, Instant time) {
    return Event.of(UuidV7.next(), eventName, time, data, null, Metadata.empty(), 0);
  }
}
