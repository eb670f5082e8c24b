package dev.fabula.workflow;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.Command;
import dev.fabula.event.Event;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The workflow the tests run: an order placed reserves stock and requests payment, with a payment
 * deadline; payment received completes it; payment failed or the deadline compensates by
 * releasing stock, guarded by a release deadline.
 */
final class OrderFlow {
  static final String NAME = "order";
  static final Duration PAYMENT_WINDOW = Duration.ofHours(1);
  static final Duration RELEASE_WINDOW = Duration.ofMinutes(10);

  record Placed(@Nullable String order) {}

  record Paid(String order) {}

  record PaymentFailed(String order) {}

  record StockReleased(String order) {}

  record Reserve(String order) {}

  record RequestPayment(String order) {}

  record Release(String order) {}

  record State(String order, int steps) {}

  private OrderFlow() {}

  static Correlator<Placed> byOrder() {
    return Correlator.byKey((Event<Placed> e) -> e.data().order());
  }

  static WorkflowDefinition.Builder<State> builder() {
    return WorkflowDefinition.builder(NAME, State.class, new State("", 0))
        .startsOn("order.placed", Placed.class, byOrder(), (ctx, e) -> {
          String order = e.data().order();
          ctx.state(new State(order, 1));
          ctx.dispatch("reserve", Command.create("stock.reserve", new Reserve(order)));
          ctx.dispatch("pay", Command.create("payment.request", new RequestPayment(order)));
          ctx.schedule("payment-deadline", ctx.now().plus(PAYMENT_WINDOW));
        })
        .reactsTo("payment.received", Paid.class, Correlator.byKey((Event<Paid> e) -> e.data().order()),
            (ctx, e) -> {
              ctx.state(new State(ctx.state().order(), ctx.state().steps() + 1));
              ctx.unschedule("payment-deadline");
              ctx.complete();
            })
        .reactsTo("payment.failed", PaymentFailed.class,
            Correlator.byKey((Event<PaymentFailed> e) -> e.data().order()), (ctx, e) -> compensate(ctx))
        .onTimeout("payment-deadline", OrderFlow::compensate)
        .compensatesOn("stock.released", StockReleased.class,
            Correlator.byKey((Event<StockReleased> e) -> e.data().order()), (ctx, e) -> {
              ctx.unschedule("release-deadline");
              ctx.compensated();
            })
        .onTimeout("release-deadline", ctx -> ctx.fail("stock not released in time"));
  }

  static WorkflowDefinition<State> definition() {
    return builder().build();
  }

  private static void compensate(WorkflowContext<State> ctx) {
    ctx.unschedule("payment-deadline");
    ctx.compensate();
    ctx.dispatch("release", Command.create("stock.release", new Release(ctx.state().order())));
    ctx.schedule("release-deadline", ctx.now().plus(RELEASE_WINDOW));
  }

  /** Registers the events, commands and state of the flow (and the workflow protocol). */
  static CodecRegistry.Builder register(CodecRegistry.Builder registry, WorkflowDefinition<?> definition) {
    WorkflowService.registerProtocol(registry);
    definition.registerState(registry);
    return registry
        .register("order.placed", Placed.class)
        .register("payment.received", Paid.class)
        .register("payment.failed", PaymentFailed.class)
        .register("stock.released", StockReleased.class)
        .register("stock.reserve", Reserve.class)
        .register("payment.request", RequestPayment.class)
        .register("stock.release", Release.class);
  }
}
