package dev.fabula.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.Metadata;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CommandTest {
  @Test
  void aCommandHasATimeOrderedIdAndNoTargetUntilGivenOne() {
    Command<String> a = Command.create("x.do", "p");
    Command<String> b = Command.create("x.do", "p");
    assertThat(a.id().version()).isEqualTo(7);
    assertThat(a.id()).isLessThan(b.id());
    assertThat(a.aggregate()).isEmpty();
    UUID id = UUID.randomUUID();
    assertThat(a.forAggregate("product", id).aggregate()).contains(new AggregateTarget("product", id));
    assertThat(a.forAggregate("product", id).id()).isEqualTo(a.id());
  }

  @Test
  void badInputIsRejected() {
    assertThatThrownBy(() -> Command.create(" ", "p")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AggregateTarget("", UUID.randomUUID()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DispatchOptions.sync().withExecutionTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DispatchOptions.async().withAssignTimeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CommandBusOptions.defaults().withConcurrency(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CommandError(" ", "m", Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void causedMetadataKeepsTheCorrelationIdAndMakesTheCommandTheCause() {
    Command<String> fresh = Command.create("x.do", "p").withMetadata(Metadata.of("user", "ann"));
    assertThat(fresh.causedMetadata().values())
        .containsEntry(Metadata.CORRELATION_ID, fresh.id().toString())
        .containsEntry(Metadata.CAUSATION_ID, fresh.id().toString())
        .containsEntry("user", "ann");

    Command<String> follow = fresh.withCorrelationId("corr").withCausationId("event-1");
    assertThat(follow.causedMetadata().correlationId()).contains("corr");
    assertThat(follow.causedMetadata().causationId()).contains(follow.id().toString());
  }

  @Test
  void callerRunsIsOffByDefaultAndCopiesKeepTheOtherOptions() {
    CommandBusOptions defaults = CommandBusOptions.defaults();
    assertThat(defaults.callerRuns()).isFalse();

    CommandBusOptions on = defaults.withConcurrency(3).withCallerRuns(true);
    assertThat(on.callerRuns()).isTrue();
    assertThat(on.concurrency()).isEqualTo(3);
    assertThat(on.withQueueCapacity(7).withReporter(CommandReporter.none()).callerRuns()).isTrue();
    assertThat(on.withCallerRuns(false)).isEqualTo(defaults.withConcurrency(3));
  }

  @Test
  void defaultTimeoutsAreBounded() {
    assertThat(DispatchOptions.sync().executionTimeout()).isEqualTo(DispatchOptions.DEFAULT_EXECUTION_TIMEOUT);
    assertThat(DispatchOptions.sync().assignTimeout()).isEqualTo(DispatchOptions.DEFAULT_ASSIGN_TIMEOUT);
    assertThat(DispatchOptions.async().assignTimeout()).isEqualTo(DispatchOptions.DEFAULT_ASSIGN_TIMEOUT);
  }

  @Test
  void errorsOfHandlerExceptions() {
    assertThat(CommandError.of(new CommandRejectedException("c", "m", Map.of("k", "v"))))
        .isEqualTo(new CommandError("c", "m", Map.of("k", "v")));
    assertThat(CommandError.of(new IllegalStateException()))
        .isEqualTo(
            new CommandError(
                CommandError.UNEXPECTED,
                IllegalStateException.class.getName(),
                Map.of(CommandError.EXCEPTION_DETAIL, IllegalStateException.class.getName())));
  }
}
