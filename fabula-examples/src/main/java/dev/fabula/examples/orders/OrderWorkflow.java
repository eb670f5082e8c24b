package dev.fabula.examples.orders;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.Command;
import dev.fabula.event.Event;
import dev.fabula.workflow.Correlator;
import dev.fabula.workflow.WorkflowContext;
import dev.fabula.workflow.WorkflowDefinition;
import dev.fabula.workflow.WorkflowService;
import java.time.Duration;

/**
 * The order workflow's events, commands, state and definition. One instance per order, found by
 * the order id ({@link Correlator#byKey}).
 */
public final class OrderWorkflow {
  /** An order was placed. */
  public static final String ORDER_PLACED = "order.placed";
  /** The payment of an order arrived. */
  public static final String PAYMENT_RECEIVED = "payment.received";
  /** The payment of an order failed. */
  public static final String PAYMENT_FAILED = "payment.failed";
  /** The stock held for an order was released. */
  public static final String STOCK_RELEASED = "stock.released";

  /** Command: hold stock for an order. */
  public static final String RESERVE_STOCK = "stock.reserve";
  /** Command: ask the customer's payment provider for the amount. */
  public static final String REQUEST_PAYMENT = "payment.request";
  /** Command: give back the stock held for an order. */
  public static final String RELEASE_STOCK = "stock.release";

  /** The key of the payment deadline. */
  public static final String PAYMENT_DEADLINE = "payment-deadline";

  /** An order of {@code quantity} of {@code item} for {@code amountCents}. */
  public record OrderPlaced(String orderId, String item, int quantity, long amountCents) {}

  /** The payment for an order arrived. */
  public record PaymentReceived(String orderId) {}

  /** The payment for an order failed. */
  public record PaymentFailed(String orderId, String reason) {}

  /** The stock for an order was released. */
  public record StockReleased(String orderId) {}

  /** Hold stock. */
  public record ReserveStock(String orderId, String item, int quantity) {}

  /** Request the payment. */
  public record RequestPayment(String orderId, long amountCents) {}

  /** Release held stock. */
  public record ReleaseStock(String orderId, String item, int quantity) {}

  /** What the workflow remembers of its order. */
  public record OrderState(String orderId, String item, int quantity, String outcome) {}

  private OrderWorkflow() {}

  /** The workflow, giving the customer {@code paymentWindow} to pay. */
  public static WorkflowDefinition<OrderState> definition(Duration paymentWindow) {
    return WorkflowDefinition.builder("order", OrderState.class, new OrderState("", "", 0, ""))
        .startsOn(ORDER_PLACED, OrderPlaced.class, Correlator.byKey((Event<OrderPlaced> e) -> e.data().orderId()),
            (ctx, e) -> {
              OrderPlaced order = e.data();
              ctx.state(new OrderState(order.orderId(), order.item(), order.quantity(), "awaiting payment"));
              ctx.dispatch("reserve", Command.create(RESERVE_STOCK,
                  new ReserveStock(order.orderId(), order.item(), order.quantity())));
              ctx.dispatch("pay", Command.create(REQUEST_PAYMENT, new RequestPayment(order.orderId(), order.amountCents())));
              ctx.schedule(PAYMENT_DEADLINE, ctx.now().plus(paymentWindow));
            })
        .reactsTo(PAYMENT_RECEIVED, PaymentReceived.class,
            Correlator.byKey((Event<PaymentReceived> e) -> e.data().orderId()), (ctx, e) -> {
              ctx.unschedule(PAYMENT_DEADLINE);
              ctx.state(withOutcome(ctx.state(), "paid"));
              ctx.complete();
            })
        .reactsTo(PAYMENT_FAILED, PaymentFailed.class,
            Correlator.byKey((Event<PaymentFailed> e) -> e.data().orderId()),
            (ctx, e) -> compensate(ctx, "payment failed: " + e.data().reason()))
        .onTimeout(PAYMENT_DEADLINE, ctx -> compensate(ctx, "not paid within " + paymentWindow))
        .compensatesOn(STOCK_RELEASED, StockReleased.class,
            Correlator.byKey((Event<StockReleased> e) -> e.data().orderId()), (ctx, e) -> ctx.compensated())
        .build();
  }

  private static void compensate(WorkflowContext<OrderState> ctx, String why) {
    OrderState order = ctx.state();
    ctx.unschedule(PAYMENT_DEADLINE);
    ctx.state(withOutcome(order, why));
    ctx.compensate();
    ctx.dispatch("release", Command.create(RELEASE_STOCK, new ReleaseStock(order.orderId(), order.item(), order.quantity())));
  }

  private static OrderState withOutcome(OrderState state, String outcome) {
    return new OrderState(state.orderId(), state.item(), state.quantity(), outcome);
  }

  /** Registers the events, commands, the workflow's state and the workflow protocol. */
  public static CodecRegistry.Builder register(CodecRegistry.Builder registry, WorkflowDefinition<OrderState> definition) {
    WorkflowService.registerProtocol(registry);
    definition.registerState(registry);
    return registry
        .register(ORDER_PLACED, OrderPlaced.class)
        .register(PAYMENT_RECEIVED, PaymentReceived.class)
        .register(PAYMENT_FAILED, PaymentFailed.class)
        .register(STOCK_RELEASED, StockReleased.class)
        .register(RESERVE_STOCK, ReserveStock.class)
        .register(REQUEST_PAYMENT, RequestPayment.class)
        .register(RELEASE_STOCK, ReleaseStock.class);
  }
}
