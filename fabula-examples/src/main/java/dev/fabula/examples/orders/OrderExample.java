package dev.fabula.examples.orders;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandBuses;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.examples.orders.OrderWorkflow.OrderPlaced;
import dev.fabula.examples.orders.OrderWorkflow.OrderState;
import dev.fabula.examples.orders.OrderWorkflow.PaymentFailed;
import dev.fabula.examples.orders.OrderWorkflow.PaymentReceived;
import dev.fabula.examples.orders.OrderWorkflow.ReleaseStock;
import dev.fabula.examples.orders.OrderWorkflow.StockReleased;
import dev.fabula.examples.shop.ShopStorage;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.memory.InMemory;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.workflow.WorkflowDefinition;
import dev.fabula.workflow.WorkflowService;
import dev.fabula.workflow.WorkflowView;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Runs the order workflow on three orders: one paid, one whose payment fails, one never paid
 * (its payment deadline fires). The stock and payment "services" are command handlers that print
 * what they do and store the events that answer the workflow; each de-duplicates commands by id,
 * since a workflow dispatches at least once. In memory by default; on PostgreSQL ({@code
 * FABULA_POSTGRES_URL}, or the local server) with {@code FABULA_STORE=postgres}, in schema
 * {@value #SCHEMA}, dropped at the start of each run.
 */
public final class OrderExample {
  /** The PostgreSQL schema the example owns: dropped at the start of each run. */
  public static final String SCHEMA = "fabula_orders_example";

  private static final Duration WAIT = Duration.ofSeconds(30);

  private OrderExample() {}

  /** Runs the example and prints what happened. */
  public static void main(String[] args) throws Exception {
    Duration paymentWindow = Duration.ofSeconds(3);
    if ("postgres".equalsIgnoreCase(System.getenv("FABULA_STORE"))) {
      try (HikariDataSource pool = Postgres.dataSource(Postgres.urlFromEnvironment())) {
        run(System.out, pool, SCHEMA, paymentWindow);
      }
    } else {
      run(System.out, null, SCHEMA, paymentWindow);
    }
  }

  /**
   * Runs the example on {@code pool} in {@code schema} (dropped first), or in memory when {@code
   * pool} is {@code null}, giving each order {@code paymentWindow} to be paid.
   */
  static void run(PrintStream out, @Nullable DataSource pool, String schema, Duration paymentWindow) throws Exception {
    WorkflowDefinition<OrderState> orders = OrderWorkflow.definition(paymentWindow);
    Codec codec = JacksonCodec.create(OrderWorkflow.register(CodecRegistry.builder(), orders).build());
    out.println("== Fabula order workflow (" + (pool != null ? "PostgreSQL" : "in-memory") + " store) ==");
    if (pool != null) {
      ShopStorage.startClean(pool, schema, out);
    }
    try (EventBus bus = InMemory.eventBus();
        EventStore store = EventStores.publishing(pool != null
            ? Postgres.eventStore(pool, codec, PostgresOptions.builder().schema(schema).build())
            : InMemory.eventStore(), bus);
        CommandBus commands = CommandBuses.inProcess(CommandBusOptions.defaults())) {
      Set<UUID> done = ConcurrentHashMap.newKeySet();
      // The stock service: reserves, and releases (answering with stock.released).
      commands.handle(OrderWorkflow.RESERVE_STOCK, OrderWorkflow.ReserveStock.class, c -> {
        if (done.add(c.id())) {
          out.printf("stock     reserved %d x %s for %s%n", c.payload().quantity(), c.payload().item(), c.payload().orderId());
        }
      });
      commands.handle(OrderWorkflow.RELEASE_STOCK, ReleaseStock.class, c -> {
        if (done.add(c.id())) {
          out.printf("stock     released %d x %s of %s%n", c.payload().quantity(), c.payload().item(), c.payload().orderId());
          store.insert(List.of(Event.create(OrderWorkflow.STOCK_RELEASED, new StockReleased(c.payload().orderId()))));
        }
      });
      // The payment service: the customer of o-1 pays, o-2's card is declined, o-3 never answers.
      commands.handle(OrderWorkflow.REQUEST_PAYMENT, OrderWorkflow.RequestPayment.class, c -> {
        if (!done.add(c.id())) {
          return; // a command dispatched again after a crash: done already
        }
        String order = c.payload().orderId();
        out.printf("payment   requested %d cents for %s%n", c.payload().amountCents(), order);
        switch (order) {
          case "o-1" -> store.insert(List.of(Event.create(OrderWorkflow.PAYMENT_RECEIVED, new PaymentReceived(order))));
          case "o-2" -> store.insert(List.of(Event.create(OrderWorkflow.PAYMENT_FAILED, new PaymentFailed(order, "card declined"))));
          default -> { } // no answer: the deadline decides
        }
      });

      try (WorkflowService service = WorkflowService.builder(store, bus, commands, codec)
          .add(orders)
          .resyncInterval(Duration.ofSeconds(5))
          .takeoverGrace(Duration.ofSeconds(30))
          .build()) {
        service.start();
        store.insert(List.of(
            Event.create(OrderWorkflow.ORDER_PLACED, new OrderPlaced("o-1", "mouse", 1, 2_999)),
            Event.create(OrderWorkflow.ORDER_PLACED, new OrderPlaced("o-2", "keyboard", 1, 8_900)),
            Event.create(OrderWorkflow.ORDER_PLACED, new OrderPlaced("o-3", "mouse pad", 2, 1_800))));
        out.println("placed    o-1, o-2, o-3; each has " + paymentWindow + " to be paid");

        for (String order : List.of("o-1", "o-2", "o-3")) {
          WorkflowView<OrderState> view = awaitTerminal(service, orders, order);
          out.printf("workflow  %s %s (%s)%n", order, view.status(), view.state().outcome());
        }
      }
      if (pool != null) {
        out.println("The workflows' streams stay in schema " + schema + " (aggregate name "
            + orders.aggregateName() + ") until the next run.");
      }
    }
  }

  /** Waits (bounded) until the order's workflow ended, and returns it. */
  private static WorkflowView<OrderState> awaitTerminal(
      WorkflowService service, WorkflowDefinition<OrderState> orders, String order) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      var view = service.find(orders, orders.idForKey(order));
      if (view.isPresent() && view.get().status().isTerminal()) {
        return view.get();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the workflow of " + order + " did not end within " + WAIT + ": " + view);
      }
      Thread.sleep(20);
    }
  }
}
