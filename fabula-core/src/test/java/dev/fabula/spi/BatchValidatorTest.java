package dev.fabula.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.Event;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.spi.BatchValidator.Span;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BatchValidatorTest {
  private final UUID a = new UUID(1, 1);
  private final UUID b = new UUID(2, 2);
  private long nextId = 100;

  /** An event with a rising id (as UUIDv7 ids are), of {@code name}/{@code id} at {@code version}. */
  private Event<String> of(String name, UUID id, int version) {
    return free().withAggregate(name, id, version);
  }

  private Event<String> free() {
    return Event.create("e", "x").withId(new UUID(0x0100_0000_0000_7000L, nextId++));
  }

  @Test
  void anEmptyBatchOrOneWithoutAggregatesHasNoSpans() {
    assertThat(BatchValidator.validate(List.of())).isEmpty();
    assertThat(BatchValidator.validate(List.of(free(), free()))).isEmpty();
  }

  @Test
  void oneAggregatesRunIsOneSpan() {
    assertThat(BatchValidator.validate(List.of(of("order", a, 4), of("order", a, 5), of("order", a, 6))))
        .containsExactly(new Span("order", a, 4, 3));
    Span span = BatchValidator.validate(List.of(of("order", a, 1))).get(0);
    assertThat(span.firstVersion()).isEqualTo(1);
    assertThat(span.lastVersion()).isEqualTo(1);
    assertThat(new Span("order", a, 4, 3).lastVersion()).isEqualTo(6);
  }

  @Test
  void spansComeInTheOrderEachAggregateFirstAppears() {
    List<Span> spans = BatchValidator.validate(List.of(
        free(), of("order", b, 3), of("order", a, 1), free(), of("invoice", a, 7), of("order", b, 4)));
    assertThat(spans).containsExactly(new Span("order", b, 3, 2), new Span("order", a, 1, 1), new Span("invoice", a, 7, 1));
  }

  @Test
  void interleavedAggregatesNeedOnlyFollowTheirOwnVersions() {
    List<Span> spans = BatchValidator.validate(List.of(
        of("order", a, 1), of("order", b, 1), of("order", a, 2), of("invoice", a, 1), of("order", b, 2), of("order", a, 3)));
    assertThat(spans).containsExactly(new Span("order", a, 1, 3), new Span("order", b, 1, 2), new Span("invoice", a, 1, 1));
  }

  @Test
  void refusesAVersionThatDoesNotFollowTheBatchsPreviousEventOfItsAggregate() {
    Event<String> gap = of("order", a, 3);
    assertThatThrownBy(() -> BatchValidator.validate(List.of(of("order", a, 1), gap)))
        .isInstanceOf(InvalidBatchException.class)
        .hasMessageContaining("event " + gap.id() + " has version 3 of order " + a)
        .hasMessageContaining("the batch's previous event of it has version 1");
    assertThatThrownBy(() -> BatchValidator.validate(List.of(of("order", a, 2), of("order", a, 2))))
        .as("a version repeated")
        .isInstanceOf(InvalidBatchException.class)
        .hasMessageContaining("has version 2");
    assertThatThrownBy(() -> BatchValidator.validate(List.of(of("order", a, 2), of("order", a, 1))))
        .as("versions falling")
        .isInstanceOf(InvalidBatchException.class);
    Event<String> late = of("order", a, 4);
    assertThatThrownBy(() -> BatchValidator.validate(List.of(of("order", a, 1), of("order", b, 1), of("order", a, 2), late)))
        .as("interleaved, with a gap after the other aggregate")
        .isInstanceOf(InvalidBatchException.class)
        .hasMessageContaining("event " + late.id() + " has version 4")
        .hasMessageContaining("previous event of it has version 2");
    assertThatThrownBy(() -> BatchValidator.validate(List.of(free(), of("order", a, 1), of("order", a, 3))))
        .as("after an event without aggregate")
        .isInstanceOf(InvalidBatchException.class);
  }

  @Test
  void aggregatesWithTheSameIdAndOtherNamesAreSeparate() {
    assertThat(BatchValidator.validate(List.of(of("order", a, 5), of("invoice", a, 1), of("order", a, 6))))
        .containsExactly(new Span("order", a, 5, 2), new Span("invoice", a, 1, 1));
  }

  @Test
  void findsARepeatedIdInASmallBatchInAnyOrder() {
    Event<String> e = free();
    Event<String> other = free();
    assertThatThrownBy(() -> BatchValidator.validate(List.of(e, other, e.withTime(java.time.Instant.EPOCH))))
        .isInstanceOfSatisfying(DuplicateEventException.class, d -> assertThat(d.eventId()).isEqualTo(e.id()));
    assertThatThrownBy(() -> BatchValidator.validate(List.of(other, e, e)))
        .as("adjacent: not strictly ascending")
        .isInstanceOfSatisfying(DuplicateEventException.class, d -> assertThat(d.eventId()).isEqualTo(e.id()));
    List<Event<?>> sixteen = batch(16, true);
    sixteen.set(15, sixteen.get(0));
    assertThatThrownBy(() -> BatchValidator.validate(sixteen))
        .isInstanceOfSatisfying(DuplicateEventException.class, d -> assertThat(d.eventId()).isEqualTo(sixteen.get(0).id()));
  }

  @Test
  void findsARepeatedIdInALargeBatchAscendingOrNot() {
    for (boolean ascending : List.of(true, false)) {
      List<Event<?>> big = batch(100, ascending);
      Event<?> repeated = big.get(40);
      big.add(repeated.withTime(java.time.Instant.EPOCH));
      assertThatThrownBy(() -> BatchValidator.validate(big))
          .as(ascending ? "ascending" : "descending")
          .isInstanceOfSatisfying(DuplicateEventException.class, d -> assertThat(d.eventId()).isEqualTo(repeated.id()));
    }
    List<Event<?>> shuffled = batch(40, true);
    Collections.shuffle(shuffled, new java.util.Random(7));
    shuffled.add(17, shuffled.get(3));
    assertThatThrownBy(() -> BatchValidator.validate(shuffled))
        .isInstanceOfSatisfying(DuplicateEventException.class, d -> assertThat(d.eventId()).isEqualTo(shuffled.get(3).id()));
  }

  @Test
  void acceptsDistinctIdsInAnyOrderAndBatchSize() {
    for (int n : List.of(1, 2, 16, 17, 200)) {
      for (boolean ascending : List.of(true, false)) {
        assertThat(BatchValidator.validate(batch(n, ascending))).as(n + " events").isEmpty();
      }
    }
    // ids equal in their high bits and ordered by their low bits as unsigned numbers
    List<Event<?>> unsigned = List.of(
        free().withId(new UUID(5, 1)), free().withId(new UUID(5, Long.MAX_VALUE)), free().withId(new UUID(5, -1L)));
    assertThat(BatchValidator.validate(unsigned)).isEmpty();
  }

  @Test
  void refusesNullsNamingTheArgument() {
    assertThatThrownBy(() -> BatchValidator.validate(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("events");
    assertThatThrownBy(() -> BatchValidator.validate(Arrays.asList(free(), null)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("events");
  }

  @Test
  void spansRefuseWhatTheyCannotBe() {
    assertThatThrownBy(() -> new Span("order", a, 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one event, got 0");
    assertThatThrownBy(() -> new Span(null, a, 1, 1)).isInstanceOf(NullPointerException.class).hasMessageContaining("name");
    assertThatThrownBy(() -> new Span("order", null, 1, 1)).isInstanceOf(NullPointerException.class).hasMessageContaining("id");
  }

  private List<Event<?>> batch(int n, boolean ascending) {
    List<Event<?>> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      events.add(free());
    }
    if (!ascending) {
      Collections.reverse(events);
    }
    return events;
  }
}
