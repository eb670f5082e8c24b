package dev.fabula.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.command.AggregateCommands;
import dev.fabula.command.Command;
import dev.fabula.command.CommandError;
import dev.fabula.event.Metadata;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The command fixture runs the real handlers and fails loudly when an expectation is not met. */
class CommandFixtureTest {
  record Added(int n) {}

  record Add(int n) {}

  static final class Tally extends AggregateRoot {
    int total;

    Tally(UUID id) {
      super("tally", id);
      on("tally.added", Added.class, e -> total += e.n());
    }

    void add(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("negative " + n);
      }
      if (n == 13) {
        throw new IllegalStateException("unlucky");
      }
      raise("tally.added", new Added(n));
    }
  }

  static final AggregateCommands<Tally> COMMANDS = AggregateCommands.<Tally>builder()
      .on("tally.add", Add.class, (t, c) -> t.add(c.payload().n()))
      .reject(IllegalArgumentException.class, "tally.negative")
      .build();

  private final CommandFixture<Tally> tally = CommandFixture.of(Tally::new, COMMANDS);

  @Test
  void storesTheEventsOfACommandOnTopOfTheHistory() {
    var outcome = tally.given("tally.added", new Added(2))
        .when("tally.add", new Add(3))
        .thenRaised("tally.added", new Added(3))
        .thenState(t -> assertThat(t.total).isEqualTo(5));
    assertThat(outcome.events()).singleElement().satisfies(e -> {
      assertThat(e.aggregate().orElseThrow().version()).isEqualTo(2);
      assertThat(e.aggregate().orElseThrow().id()).isEqualTo(tally.id());
      assertThat(e.metadata().causationId()).hasValue(outcome.command().id().toString());
    });
  }

  @Test
  void theCommandsMetadataReachesTheStoredEvents() {
    Command<Add> command = Command.create("tally.add", new Add(4))
        .forAggregate("tally", tally.id())
        .withMetadata(Metadata.of("user", "ann"))
        .withCorrelationId("request-7");
    var outcome = tally.when(command);
    outcome.thenRaised(RaisedEvent.of("tally.added", new Added(4))
        .withMetadata("user", "ann")
        .withMetadata(Metadata.CORRELATION_ID, "request-7")
        .withMetadata(Metadata.CAUSATION_ID, command.id().toString()));
    assertThatThrownBy(() -> outcome.thenRaised(RaisedEvent.of("tally.added", new Added(4)).withMetadata("user", "bob")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("user=bob")
        .hasMessageContaining("user=ann");
  }

  @Test
  void aDeclaredRejectionHasItsCodeAndStoresNothing() {
    var outcome = tally.given("tally.added", new Added(2)).when("tally.add", new Add(-1));
    outcome.thenRejected("tally.negative").thenRejected("tally.negative", "negative -1");
    assertThat(outcome.rejection().details()).containsEntry(CommandError.EXCEPTION_DETAIL, IllegalArgumentException.class.getName());
    assertThatThrownBy(() -> outcome.thenRejected("tally.other"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("tally.negative");
    assertThatThrownBy(() -> outcome.thenRejected("tally.negative", "positive"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("negative -1");
    assertThatThrownBy(() -> outcome.thenRaised("tally.added", new Added(-1)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("rejected");
    assertThatThrownBy(outcome::thenNothingRaised).isInstanceOf(AssertionError.class);
  }

  @Test
  void otherFailuresAndMissingTargetsAreCodedToo() {
    tally.when("tally.add", new Add(13)).thenRejected(CommandError.UNEXPECTED, "unlucky");
    tally.when(Command.create("tally.add", new Add(1))).thenRejected(AggregateCommands.NO_AGGREGATE);
  }

  @Test
  void failsWhenARejectionWasExpectedButTheCommandSucceeded() {
    var outcome = tally.when("tally.add", new Add(1));
    assertThatThrownBy(() -> outcome.thenRejected("tally.negative"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("succeeded")
        .hasMessageContaining("Added[n=1]");
    assertThatThrownBy(() -> outcome.thenRaised("tally.added", new Added(2)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Added[n=2]")
        .hasMessageContaining("Added[n=1]");
  }

  @Test
  void refusesACommandTheHandlersDoNotDeclare() {
    assertThatThrownBy(() -> tally.when("tally.subtract", new Add(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tally.subtract")
        .hasMessageContaining("tally.add");
  }

  @Test
  void eachWhenStartsFromTheGivenHistory() {
    tally.given("tally.added", new Added(1));
    tally.when("tally.add", new Add(1)).thenState(t -> assertThat(t.total).isEqualTo(2));
    tally.when("tally.add", new Add(5)).thenState(t -> assertThat(t.total).isEqualTo(6));
  }
}
