package dev.fabula.tck;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.codec.EventPayload;
import dev.fabula.codec.EventUpcaster;
import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import dev.fabula.spi.UuidV7;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

  // ------------------------------------------------------------ schema evolution (ADR 0021)
  // Legacy names: registered with their old types, so that the kit can write events of the old
  // shape through any store's insert; every read returns what their event upcasters make of them.

  /** Legacy name renamed to {@link #ALPHA}, its {@code label} becoming {@code text}. */
  public static final String ALPHA_V0 = "tck.alpha.v0";
  /** Legacy name renamed to {@link #GAMMA}, which gains the default {@link #GAMMA_V0_AT}. */
  public static final String GAMMA_V0 = "tck.gamma.v0";
  /** The time a {@link #GAMMA_V0} event reads with: the default its upcaster adds. */
  public static final Instant GAMMA_V0_AT = Instant.parse("2000-01-01T00:00:00Z");
  /**
   * Legacy name read as {@link #BETA} through a chain of two event upcasters, by way of {@link
   * #BETA_V1}: the text {@code count} becomes the number {@code n}, then {@code number}.
   */
  public static final String BETA_V0 = "tck.beta.v0";
  /** The middle of the {@link #BETA_V0} chain: no type, only an event upcaster to {@link #BETA}. */
  public static final String BETA_V1 = "tck.beta.v1";
  /** Legacy name split into two {@link #ALPHA} events, {@code first} then {@code second}. */
  public static final String PAIR_V0 = "tck.pair.v0";
  /** Legacy name whose events are dropped. */
  public static final String OBSOLETE_V0 = "tck.obsolete.v0";
  /** Legacy name whose upcaster, {@link #BROKEN_UPCASTER}, always throws. */
  public static final String BROKEN_V0 = "tck.broken.v0";
  /** The upcaster of {@link #BROKEN_V0}; it reads as its name in error messages. */
  public static final EventUpcaster BROKEN_UPCASTER = new EventUpcaster() {
    @Override
    public List<EventPayload> upcast(EventPayload stored) {
      throw new IllegalStateException("the kit's upcaster fails on purpose");
    }

    @Override
    public String toString() {
      return "TckData.BROKEN_UPCASTER";
    }
  };

  /**
   * Data of {@link #ALPHA_V0} events, the old shape of {@link Alpha}.
   *
   * @param label became {@link Alpha#text()}
   */
  public record AlphaV0(String label) {}

  /**
   * Data of {@link #GAMMA_V0} events, the old shape of {@link Gamma}.
   *
   * @param label the label
   */
  public record GammaV0(String label) {}

  /**
   * Data of {@link #BETA_V0} events, the old shape of {@link Beta}.
   *
   * @param count the number, as decimal text
   */
  public record BetaV0(String count) {}

  /**
   * Data of {@link #PAIR_V0} events, read as two {@link Alpha} events.
   *
   * @param first the first alpha's text
   * @param second the second alpha's text
   */
  public record PairV0(String first, String second) {}

  /**
   * Data of {@link #OBSOLETE_V0} and {@link #BROKEN_V0} events.
   *
   * @param note some text
   */
  public record NoteV0(String note) {}

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
        .registerSnapshot(OTHER_AGGREGATE, State.class)
        .register(ALPHA_V0, AlphaV0.class)
        .eventUpcaster(ALPHA_V0, 1, ALPHA, 1, old -> tree("text", old.get("label")))
        .register(GAMMA_V0, GammaV0.class)
        .eventUpcaster(GAMMA_V0, 1, GAMMA, 1, old -> tree("label", old.get("label"), "at", GAMMA_V0_AT.toString()))
        .register(BETA_V0, BetaV0.class)
        .eventUpcaster(BETA_V0, 1, BETA_V1, 1, old -> tree("n", Long.parseLong((String) old.get("count"))))
        .eventUpcaster(BETA_V1, 1, BETA, 1, old -> tree("number", old.get("n")))
        .register(PAIR_V0, PairV0.class)
        .eventUpcaster(PAIR_V0, 1, Set.of(ALPHA), stored -> List.of(
            new EventPayload(ALPHA, 1, tree("text", stored.payload().get("first"))),
            new EventPayload(ALPHA, 1, tree("text", stored.payload().get("second")))))
        .register(OBSOLETE_V0, NoteV0.class)
        .eventUpcaster(OBSOLETE_V0, 1, Set.of(), stored -> List.of())
        .register(BROKEN_V0, NoteV0.class)
        .eventUpcaster(BROKEN_V0, 1, Set.of(ALPHA), BROKEN_UPCASTER);
  }

  /** A payload tree of key-value pairs, in order. */
  private static Map<String, Object> tree(Object... keysAndValues) {
    var tree = new LinkedHashMap<String, Object>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      tree.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return tree;
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
