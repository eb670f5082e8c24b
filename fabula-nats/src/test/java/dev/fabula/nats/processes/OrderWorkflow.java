package dev.fabula.nats.processes;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBuses;
import dev.fabula.event.Event;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.Alpha;
import dev.fabula.workflow.Correlator;
import dev.fabula.workflow.WorkflowContext;
import dev.fabula.workflow.WorkflowDefinition;
import dev.fabula.workflow.WorkflowService;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The order workflow of the cross-process workflow tests, with the kit's data: an order placed
 * ({@code Alpha} carrying the order key) reserves stock and requests payment, with a payment
 * deadline an hour later; payment received cancels the deadline and completes; the deadline
 * compensates by releasing stock. The test JVM and every workflow child build it alike.
 */
public final class OrderWorkflow {
  public static final String PLACED = "xwf.order.placed";
  public static final String PAID = "xwf.payment.received";
  public static final String RESERVE = "xwf.stock.reserve";
  public static final String PAY = "xwf.payment.request";
  public static final String RELEASE = "xwf.stock.release";
  public static final String DEADLINE = "payment-deadline";
  public static final Duration PAYMENT_WINDOW = Duration.ofHours(1);

  private OrderWorkflow() {}

  /** The definition; {@code onStart} hears the order key of every start reaction (retries too). */
  public static WorkflowDefinition<TckData.State> definition(Consumer<String> onStart) {
    Correlator<Alpha> byOrder = Correlator.byKey((Event<Alpha> e) -> e.data().text());
    return WorkflowDefinition.builder("xwf-order", TckData.State.class, new TckData.State(0, ""))
        .startsOn(PLACED, Alpha.class, byOrder, (ctx, e) -> {
          String order = e.data().text();
          onStart.accept(order);
          ctx.state(new TckData.State(1, order));
          ctx.dispatch("reserve", Command.create(RESERVE, new Alpha(order)));
          ctx.dispatch("pay", Command.create(PAY, new Alpha(order)));
          ctx.schedule(DEADLINE, ctx.now().plus(PAYMENT_WINDOW));
        })
        .reactsTo(PAID, Alpha.class, byOrder, (ctx, e) -> {
          ctx.unschedule(DEADLINE);
          ctx.complete();
        })
        .onTimeout(DEADLINE, OrderWorkflow::compensate)
        .build();
  }

  private static void compensate(WorkflowContext<TckData.State> ctx) {
    ctx.compensate();
    ctx.dispatch("release", Command.create(RELEASE, new Alpha(ctx.state().label())));
  }

  /** The codec of the test JVM and the workflow children: the kit's data, commands, workflows. */
  public static Codec codec(WorkflowDefinition<TckData.State> definition) {
    CodecRegistry.Builder b = TckData.registerAll(CodecRegistry.builder());
    CommandBuses.registerProtocol(b);
    WorkflowService.registerProtocol(b);
    definition.registerState(b);
    for (String name : List.of(PLACED, PAID, RESERVE, PAY, RELEASE)) {
      b.register(name, Alpha.class);
    }
    return JacksonCodec.create(b.build());
  }
}
