package dev.fabula.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.TestCodec;
import dev.fabula.event.Event;
import dev.fabula.memory.InMemory;
import dev.fabula.spi.WorkflowProtocol;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Definitions, the context's rules and the service's set-up checks, without running anything. */
class WorkflowDefinitionTest {
  private static final UUID ID = UUID.fromString("01890000-0000-7000-8000-000000000001");
  private static final UUID TRIGGER = UUID.fromString("01890000-0000-7000-8000-000000000002");
  private final WorkflowDefinition<OrderFlow.State> definition = OrderFlow.definition();
  private final TestCodec codec = new TestCodec(OrderFlow.register(CodecRegistry.builder(), definition).build());

  private Transition<OrderFlow.State> transition(WorkflowStatus status) {
    return new Transition<>(definition, ID, TRIGGER, "order.placed", status, new OrderFlow.State("o", 0),
        Instant.parse("2026-01-01T00:00:00Z"), codec);
  }

  @Test
  void aDefinitionNeedsAStartEventAndEachEventNameAndTimeoutKeyOnce() {
    assertThatThrownBy(() -> WorkflowDefinition.builder("w", String.class, "").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("w has no start event");
    var builder = WorkflowDefinition.builder("w", String.class, "")
        .startsOn("a", String.class, Correlator.byAggregateId(), (c, e) -> {})
        .onTimeout("t", c -> {});
    assertThatThrownBy(() -> builder.reactsTo("a", String.class, Correlator.byAggregateId(), (c, e) -> {}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already handles 'a' (start)");
    assertThatThrownBy(() -> builder.onTimeout("t", c -> {}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout 't'");
    assertThatThrownBy(() -> WorkflowDefinition.builder(" ", String.class, ""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workflow name");
    assertThat(builder.build().eventNames()).containsExactly("a");
  }

  @Test
  void byKeyGivesTheSameNameBasedIdInEveryProcessAndAnUnboundOneRefusesToGuess() {
    Event<OrderFlow.Placed> placed = Event.create("order.placed", new OrderFlow.Placed("o-9"));
    UUID id = OrderFlow.definition().idForKey("o-9");
    assertThat(id).isEqualTo(definition.idForKey("o-9")).isNotEqualTo(definition.idForKey("o-8"));
    Correlator<OrderFlow.Placed> registered = cast(definition.registration("order.placed").correlator());
    assertThat(registered.correlate(placed)).contains(id);
    assertThatThrownBy(() -> OrderFlow.byOrder().correlate(placed))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("WorkflowDefinition");
  }

  @SuppressWarnings("unchecked")
  private static <D> Correlator<D> cast(Correlator<?> c) {
    return (Correlator<D>) c;
  }

  @Test
  void statusesMoveOnlyAlongTheAllowedTransitions() {
    assertThat(WorkflowStatus.RUNNING.canMoveTo(WorkflowStatus.COMPENSATING)).isTrue();
    assertThat(WorkflowStatus.COMPENSATING.canMoveTo(WorkflowStatus.COMPLETED)).isFalse();
    Transition<OrderFlow.State> t = transition(WorkflowStatus.COMPENSATING);
    assertThatThrownBy(t::complete)
        .isInstanceOfSatisfying(InvalidWorkflowTransitionException.class, e -> {
          assertThat(e.from()).isEqualTo(WorkflowStatus.COMPENSATING);
          assertThat(e.to()).isEqualTo(WorkflowStatus.COMPLETED);
          assertThat(e.workflowId()).isEqualTo(ID);
          assertThat(e.workflow()).isEqualTo("order");
        });
    t.compensated();
    assertThat(t.status()).isEqualTo(WorkflowStatus.COMPENSATED);
    assertThatThrownBy(() -> t.fail("late")).isInstanceOf(InvalidWorkflowTransitionException.class);
  }

  @Test
  void aKeyHoldsOneCommandPerTransition() {
    Transition<OrderFlow.State> t = transition(WorkflowStatus.RUNNING);
    t.dispatch("reserve", Command.create("stock.reserve", new OrderFlow.Reserve("o")));
    t.dispatch("reserve", Command.create("stock.reserve", new OrderFlow.Reserve("o"))); // equal: once
    assertThatThrownBy(() -> t.dispatch("reserve", Command.create("stock.reserve", new OrderFlow.Reserve("p"))))
        .isInstanceOfSatisfying(EffectConflictException.class, e -> {
          assertThat(e.key()).isEqualTo("reserve");
          assertThat(e.workflowId()).isEqualTo(ID);
        });
    WorkflowProtocol.Transitioned recorded = t.toEvent();
    assertThat(recorded.commands()).singleElement().satisfies(c -> {
      assertThat(c.effectId()).isEqualTo(Ids.effect(ID, TRIGGER, "command", "reserve"));
      assertThat(c.metadata()).containsEntry("causationId", TRIGGER.toString());
    });
  }

  @Test
  void theContextRefusesTimeoutsWithoutReactionOrAfterTheEndAndStatesOfAnotherType() {
    Transition<OrderFlow.State> t = transition(WorkflowStatus.RUNNING);
    assertThatThrownBy(() -> t.schedule("nope", Instant.EPOCH))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("onTimeout(\"nope\"");
    t.schedule("payment-deadline", Instant.EPOCH);
    t.unschedule("payment-deadline");
    t.complete();
    assertThatThrownBy(() -> t.schedule("payment-deadline", Instant.EPOCH))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("COMPLETED");
    @SuppressWarnings({"unchecked", "rawtypes"})
    WorkflowContext<Object> raw = (WorkflowContext) t;
    assertThatThrownBy(() -> raw.state("a string")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.String");
    assertThat(t.toEvent().schedules()).isEmpty();
    assertThat(t.toEvent().unschedules()).containsExactly("payment-deadline");
  }

  @Test
  void theContextNamesEachNullArgument() {
    Transition<OrderFlow.State> t = transition(WorkflowStatus.RUNNING);
    Command<String> command = Command.create("stock.reserve", "x");
    assertThatThrownBy(() -> t.dispatch(null, command)).hasMessage("key");
    assertThatThrownBy(() -> t.dispatch("k", null)).hasMessage("command");
    assertThatThrownBy(() -> t.schedule(null, Instant.EPOCH)).hasMessage("key");
    assertThatThrownBy(() -> t.schedule("payment-deadline", null)).hasMessage("due");
    assertThatThrownBy(() -> t.unschedule(null)).hasMessage("key");
    assertThatThrownBy(() -> t.state(null)).hasMessage("newState");
    assertThatThrownBy(() -> t.fail(null)).hasMessage("reason");
  }

  @Test
  void theServiceRefusesACodecWithoutTheProtocolOrTheState() {
    var store = InMemory.eventStore();
    var bus = InMemory.eventBus();
    var commands = CommandBuses.inProcess();
    try (store; bus; commands) {
      var noProtocol = new TestCodec(definition.registerState(CodecRegistry.builder()).build());
      assertThatThrownBy(() -> WorkflowService.builder(store, bus, commands, noProtocol).add(definition).build())
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("WorkflowService.registerProtocol");
      var noState = new TestCodec(WorkflowService.registerProtocol(CodecRegistry.builder()).build());
      assertThatThrownBy(() -> WorkflowService.builder(store, bus, commands, noState).add(definition).build())
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("order:state");
      assertThatThrownBy(() -> WorkflowService.builder(store, bus, commands, codec).build())
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("no workflow added");
      assertThatThrownBy(() -> WorkflowService.builder(store, bus, commands, codec).add(definition).add(definition))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("order is already added");
    }
  }
}
