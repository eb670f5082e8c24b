package dev.fabula.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.codec.PayloadException;
import dev.fabula.command.Command;
import dev.fabula.event.Event;
import dev.fabula.workflow.Correlator;
import dev.fabula.workflow.InvalidWorkflowTransitionException;
import dev.fabula.workflow.WorkflowDefinition;
import dev.fabula.workflow.WorkflowService;
import dev.fabula.workflow.WorkflowStatus;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WorkflowFixtureTest {
  record Placed(String order) {}

  record Paid(String order) {}

  record Reserve(String order) {}

  record Release(String order) {}

  record Flow(String order, boolean paid) {}

  private static final Duration WINDOW = Duration.ofMinutes(30);

  private static final WorkflowDefinition<Flow> ORDERS =
      WorkflowDefinition.builder("order", Flow.class, new Flow("", false))
          .startsOn("order.placed", Placed.class, Correlator.byKey((Event<Placed> e) -> e.data().order()), (ctx, e) -> {
            ctx.state(new Flow(e.data().order(), false));
            ctx.dispatch("reserve", Command.create("stock.reserve", new Reserve(e.data().order())));
            ctx.schedule("payment-deadline", ctx.now().plus(WINDOW));
          })
          .reactsTo("payment.received", Paid.class, Correlator.byKey((Event<Paid> e) -> e.data().order()), (ctx, e) -> {
            ctx.state(new Flow(ctx.state().order(), true));
            ctx.unschedule("payment-deadline");
            ctx.complete();
          })
          .onTimeout("payment-deadline", ctx -> {
            ctx.compensate();
            ctx.dispatch("release", Command.create("stock.release", new Release(ctx.state().order())));
          })
          .build();

  private static final Codec CODEC = new KeepingCodec(ORDERS.registerState(WorkflowService.registerProtocol(CodecRegistry.builder()))
      .register("order.placed", Placed.class)
      .register("payment.received", Paid.class)
      .register("stock.reserve", Reserve.class)
      .register("stock.release", Release.class)
      .build());

  private final WorkflowFixture<Flow> fixture = WorkflowFixture.of(ORDERS, CODEC);

  @Test
  void whenAnEventArrivesThenItsCommandsTimeoutsAndStatus() {
    var outcome = fixture.when("order.placed", new Placed("o-1"))
        .thenRequested("stock.reserve")
        .thenRequested("stock.reserve", new Reserve("o-1"))
        .thenScheduled("payment-deadline", fixture.startTime().plus(WINDOW))
        .thenStatus(WorkflowStatus.RUNNING)
        .thenState(new Flow("o-1", false));
    assertThat(outcome.instance().id()).isEqualTo(ORDERS.idForKey("o-1"));
    assertThat(outcome.requested().getFirst().metadata().correlationId()).contains(ORDERS.idForKey("o-1").toString());
  }

  @Test
  void givenEventsAreHandledFirstAndTheirCommandsAreNotPartOfTheOutcome() {
    fixture.given("order.placed", new Placed("o-1"))
        .when("payment.received", new Paid("o-1"))
        .thenNothingRequested()
        .thenNoTimeouts()
        .thenStatus(WorkflowStatus.COMPLETED)
        .thenState(new Flow("o-1", true));
  }

  @Test
  void whenTimeAdvancesPastADeadlineItFiresAndBeforeItNothingHappens() {
    fixture.given("order.placed", new Placed("o-1"));
    fixture.whenTimeAdvances(WINDOW.minusSeconds(1)).thenNothingRequested().thenStatus(WorkflowStatus.RUNNING);
    fixture.whenTimeAdvances(WINDOW)
        .thenRequested("stock.release", new Release("o-1"))
        .thenStatus(WorkflowStatus.COMPENSATING)
        .thenNoTimeouts();
  }

  @Test
  void failedExpectationsSayWhatWasExpectedAndWhatHappened() {
    var outcome = fixture.when("order.placed", new Placed("o-1"));
    assertThatThrownBy(() -> outcome.thenRequested("payment.request"))
        .isInstanceOf(AssertionError.class).hasMessageContaining("[payment.request] but got [stock.reserve]");
    assertThatThrownBy(() -> outcome.thenStatus(WorkflowStatus.COMPLETED))
        .isInstanceOf(AssertionError.class).hasMessageContaining("is RUNNING");
    assertThatThrownBy(() -> outcome.thenNoTimeouts())
        .isInstanceOf(AssertionError.class).hasMessageContaining("payment-deadline");
    assertThatThrownBy(() -> fixture.when("payment.received", new Paid("o-1")).instance())
        .isInstanceOf(AssertionError.class).hasMessageContaining("no event started it");
  }

  @Test
  void aReactionThatBreaksTheRulesIsReportedAsAFailure() {
    var broken = WorkflowDefinition.builder("order", Flow.class, new Flow("", false))
        .startsOn("order.placed", Placed.class, Correlator.byKey((Event<Placed> e) -> e.data().order()),
            (ctx, e) -> ctx.compensated())
        .build();
    WorkflowFixture.of(broken, CODEC).when("order.placed", new Placed("o-1"))
        .thenFailed(InvalidWorkflowTransitionException.class, "cannot move from RUNNING to COMPENSATED")
        .thenNothingRequested();
  }

  /** Keeps each encoded value and hands out a ticket for it; checks names and types like a real codec. */
  private static final class KeepingCodec implements Codec {
    private final CodecRegistry registry;
    private final AtomicLong tickets = new AtomicLong();
    private final Map<Long, Object> kept = new ConcurrentHashMap<>();

    KeepingCodec(CodecRegistry registry) {
      this.registry = registry;
    }

    @Override
    public CodecRegistry registry() {
      return registry;
    }

    @Override
    public byte[] encode(String name, Object data) {
      registry.checkEncodable(name, data);
      long ticket = tickets.incrementAndGet();
      kept.put(ticket, data);
      return ByteBuffer.allocate(Long.BYTES).putLong(ticket).array();
    }

    @Override
    public Object decode(String name, int revision, byte[] bytes) {
      Object data = kept.get(ByteBuffer.wrap(bytes).getLong());
      if (data == null || !registry.type(name).isInstance(data)) {
        throw new PayloadException(name, "not a ticket of this codec");
      }
      return data;
    }
  }
}
