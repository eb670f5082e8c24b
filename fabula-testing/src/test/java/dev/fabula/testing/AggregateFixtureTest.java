package dev.fabula.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The fixture must fail loudly when an expectation is not met. */
class AggregateFixtureTest {
  record Added(int n) {}

  static final class Tally extends AggregateRoot {
    int total;
    String lastUser = "";

    Tally(UUID id) {
      super("tally", id);
      on("tally.added", Added.class, e -> total += e.n());
    }

    @Override
    protected void apply(Event<?> event) {
      super.apply(event);
      event.metadata().get("user").ifPresent(u -> lastUser = u);
    }

    void add(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("negative " + n);
      }
      raise("tally.added", new Added(n));
    }
  }

  @Test
  void passesWhenTheEventsMatch() {
    AggregateFixture.of(Tally::new).given("tally.added", new Added(2))
        .when(t -> t.add(3))
        .thenRaised("tally.added", new Added(3))
        .thenState(t -> assertThat(t.total).isEqualTo(5));
  }

  @Test
  void failsWhenTheEventsDiffer() {
    var outcome = AggregateFixture.of(Tally::new).when(t -> t.add(3));
    assertThatThrownBy(() -> outcome.thenRaised("tally.added", new Added(4)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Added[n=4]")
        .hasMessageContaining("Added[n=3]");
    assertThatThrownBy(outcome::thenNothingRaised).isInstanceOf(AssertionError.class);
  }

  @Test
  void failsWhenTheExpectedErrorIsMissingOrDifferent() {
    assertThatThrownBy(() -> AggregateFixture.of(Tally::new).when(t -> t.add(1)).thenThrows(IllegalArgumentException.class, "negative"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("succeeded");
    assertThatThrownBy(() -> AggregateFixture.of(Tally::new).when(t -> t.add(-1)).thenThrows(IllegalStateException.class, "negative"))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> AggregateFixture.of(Tally::new).when(t -> t.add(-1)).thenThrows(IllegalArgumentException.class, "positive"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("negative -1");
    AggregateFixture.of(Tally::new).when(t -> t.add(-1)).thenThrows(IllegalArgumentException.class, "negative -1");
  }

  @Test
  void failsWhenTheActionThrowsButEventsWereExpected() {
    assertThatThrownBy(() -> AggregateFixture.of(Tally::new).when(t -> t.add(-2)).thenRaised("tally.added", new Added(-2)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("threw");
  }

  @Test
  void givenEventsCarryTheirMetadataIntoTheAggregate() {
    AggregateFixture.of(Tally::new)
        .given("tally.added", new Added(1), Metadata.of("user", "ann"))
        .given("tally.added", new Added(2))
        .when(t -> {})
        .thenState(t -> assertThat(t.lastUser).isEqualTo("ann"))
        .thenNothingRaised();
  }

  @Test
  void raisedEventsCarryTheWhenMetadataAndExpectationsCheckIt() {
    var outcome = AggregateFixture.of(Tally::new).when(Metadata.of("user", "ann"), t -> t.add(3));
    outcome.thenRaised(RaisedEvent.of("tally.added", new Added(3)).withMetadata("user", "ann"));
    outcome.thenRaised("tally.added", new Added(3)); // no metadata expected: not checked
    assertThat(outcome.events()).singleElement().satisfies(e -> assertThat(e.metadata().get("user")).hasValue("ann"));
    assertThatThrownBy(() -> outcome.thenRaised(RaisedEvent.of("tally.added", new Added(3), Metadata.of("user", "bob"))))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("{user=bob}")
        .hasMessageContaining("{user=ann}");
    assertThatThrownBy(() -> AggregateFixture.of(Tally::new).when(t -> t.add(3))
            .thenRaised(RaisedEvent.of("tally.added", new Added(3)).withMetadata("user", "ann")))
        .isInstanceOf(AssertionError.class);
  }
}
