package dev.fabula.examples.shop;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.Command;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBusOptions;
import dev.fabula.command.CommandBuses;
import dev.fabula.command.CommandExecutionException;
import dev.fabula.command.CommandReport;
import dev.fabula.command.DispatchOptions;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.event.Subscription;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.nats.Nats;
import dev.fabula.nats.NatsOptions;
import dev.fabula.postgres.Postgres;
import dev.fabula.projection.CatchUp;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleListener;
import dev.fabula.projection.ScheduleOptions;
import dev.fabula.projection.ScheduleStatus;
import dev.fabula.repository.Repository;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One process of the shop in three processes, by its role; {@link ShopProcesses} starts all three
 * ({@code ShopProcess [--stop-on-stdin-close] <role> <schema> <subject-prefix>}, NATS at {@code
 * FABULA_NATS_URL}, default {@value NatsOptions#DEFAULT_URL}; PostgreSQL at {@code
 * FABULA_POSTGRES_URL}).
 *
 * <ul>
 *   <li>{@code commands} runs the products' command handlers: a repository over the PostgreSQL
 *       event store, which publishes every event it stored on the NATS bus.
 *   <li>{@code catalog} keeps the {@link ProductCatalog} with a continuous schedule woken by the
 *       events on the NATS bus, reading the same store; prints the catalog whenever it changed,
 *       and answers the query command {@value #CATALOG_QUERY}.
 *   <li>{@code client} dispatches the shop's commands, one of them breaking a rule, asks the
 *       catalog for the products and prints them, then exits (non-zero when an outcome was not the
 *       expected one).
 * </ul>
 *
 * <p>Both buses are on core NATS, as a team would run them in production: the command bus's
 * protocol is request and reply with timeouts, so a message lost on the way becomes an error the
 * dispatcher sees, and keeping its messages in a stream would only replay stale offers; the events
 * on the bus are only the schedule's wake-up calls, since the catalog reads the events from the
 * store (PostgreSQL is the durable log; JetStream would keep a second copy). JetStream's durable
 * subscriptions earn their keep for subscribers that act on the bus's events themselves without
 * reading the store, such as one sending e-mails.
 *
 * <p>The two serving roles run until they are stopped by SIGTERM or Ctrl-C; then they close what
 * they opened and print a last {@code summary:} line. They leave standard input alone, unless
 * started with {@value #STOP_ON_STDIN_CLOSE}: then they also stop when it ends, which is how the
 * launcher makes sure they never outlive it (it holds the other end of the pipe).
 *
 * <p>To run the roles by hand, start each with this module's class path (its classes and the jars
 * it depends on), in its own terminal or in the background ({@code &}, {@code nohup}, a systemd
 * service: standard input is not read, so none of them stops the role), all three with the same
 * schema and subject prefix: first {@code java -cp <class path> dev.fabula.examples.shop.ShopProcess
 * commands my_shop my-shop}, which creates the store's table when missing, then {@code ... catalog
 * my_shop my-shop}, and once both printed {@code ready:}, {@code ... client my_shop my-shop}. Stop
 * the two servers with Ctrl-C or {@code kill <pid>}.
 */
public final class ShopProcess {
  /**
   * The option, given before the role, that stops a serving role when its standard input ends:
   * for a launcher that holds the other end of the pipe, never for a role run by hand.
   */
  public static final String STOP_ON_STDIN_CLOSE = "--stop-on-stdin-close";

  /** The query command the catalog answers: payload {@link CatalogQuery}. */
  public static final String CATALOG_QUERY = "shop.catalog";

  /** The event carrying a query's answer back: payload {@link CatalogAnswer}. */
  public static final String CATALOG_ANSWERED = "shop.catalog-answered";

  /** What the catalog prints after each job that applied new events, followed by the position. */
  static final String CAUGHT_UP = "caught up to position ";

  /** What a serving role prints once it takes part: the client may start. */
  static final String READY = "ready: ";

  /** The last line of every role: what it did. */
  static final String SUMMARY = "summary: ";

  /**
   * Payload of {@value #CATALOG_QUERY}.
   *
   * @param catchUpFirst whether the catalog first runs a job on the store before it answers. A job
   *     reads up to the store's gap-safe horizon: every event whose transaction is older than any
   *     transaction still open on the PostgreSQL server. So the answer includes every command that
   *     completed before the query, provided no transaction with a lower transaction id (another
   *     writer, or any long transaction that wrote) was still open when the job read; while one
   *     is, the commands after it stay hidden and the answer may lack them. Without it, the answer
   *     is the catalog as it stands, whatever the bus's wake-ups have applied so far.
   */
  public record CatalogQuery(boolean catchUpFirst) {}

  /**
   * Payload of {@value #CATALOG_ANSWERED}: the catalog, for the query whose command had this id.
   *
   * @param queryId the query command's id
   * @param listing the catalog
   */
  public record CatalogAnswer(UUID queryId, ProductCatalog.Listing listing) {}

  private static final Duration ANSWER_WAIT = Duration.ofSeconds(15);

  private final PrintStream out;
  private final String schema;
  private final NatsOptions nats;
  private final Codec codec;

  private ShopProcess(PrintStream out, String schema, String subjectPrefix) {
    this.out = out;
    this.schema = schema;
    this.nats = NatsOptions.builder().url(natsUrl()).subjectPrefix(subjectPrefix).build();
    this.codec = codec();
  }

  /**
   * Runs a role: {@code [--stop-on-stdin-close] <role> <schema> <subject-prefix>}; the option
   * applies to the serving roles (the client ends by itself).
   */
  public static void main(String[] args) throws Exception {
    boolean stopOnStdinClose = args.length > 0 && args[0].equals(STOP_ON_STDIN_CLOSE);
    List<String> rest = List.of(args).subList(stopOnStdinClose ? 1 : 0, args.length);
    if (rest.size() != 3) {
      System.err.println("usage: ShopProcess [" + STOP_ON_STDIN_CLOSE + "] commands|catalog|client <schema> <subject-prefix>");
      System.exit(2);
    }
    var process = new ShopProcess(System.out, rest.get(1), rest.get(2));
    boolean ok = switch (rest.get(0)) {
      case "commands" -> serve(process::commands, stopOnStdinClose);
      case "catalog" -> serve(process::catalog, stopOnStdinClose);
      case "client" -> process.client();
      default -> {
        System.err.println("unknown role '" + rest.get(0) + "': expected commands, catalog or client");
        yield false;
      }
    };
    System.out.flush();
    if (!ok) {
      System.exit(1);
    }
  }

  /** A role that serves until it is asked to stop. */
  @FunctionalInterface
  private interface ServingRole {
    boolean run(Stop stop) throws Exception;
  }

  private static boolean serve(ServingRole role, boolean stopOnStdinClose) throws Exception {
    var stop = new Stop(stopOnStdinClose);
    try {
      return role.run(stop);
    } finally {
      stop.finished();
    }
  }

  /** The NATS server: {@code FABULA_NATS_URL} when set and not blank, else the local one. */
  static String natsUrl() {
    String url = System.getenv("FABULA_NATS_URL");
    return url == null || url.isBlank() ? NatsOptions.DEFAULT_URL : url;
  }

  /**
   * The codec of everything on the NATS bus: the product events the store publishes, the command
   * bus's protocol, the commands and the catalog query with its answer.
   */
  static Codec codec() {
    CodecRegistry.Builder registry = ShopStorage.registerEvents(
        ProductCommands.register(CommandBuses.registerProtocol(CodecRegistry.builder())));
    return JacksonCodec.create(registry
        .register(CATALOG_QUERY, CatalogQuery.class)
        .register(CATALOG_ANSWERED, CatalogAnswer.class)
        .build());
  }

  private boolean commands(Stop stop) throws Exception {
    var executed = new AtomicLong();
    var rejected = new AtomicLong();
    CommandBusOptions options = CommandBusOptions.defaults().withReporter(report -> {
      executed.incrementAndGet();
      report.failure().ifPresent(e -> rejected.incrementAndGet());
      out.println(describe(report));
    });
    try (HikariDataSource pool = Postgres.dataSource(Postgres.urlFromEnvironment());
        EventBus bus = Nats.eventBus(codec, nats);
        // The write side: what the repository stores is then published on NATS.
        EventStore store = EventStores.publishing(ShopStorage.postgresStore(pool, schema), bus);
        CommandBus commands = CommandBuses.distributed(bus, codec, options)) {
      ProductCommands.HANDLERS.subscribe(commands, Repository.of(store, Product::new));
      out.println(READY + "handling " + ProductCommands.CREATE + ", " + ProductCommands.CHANGE_PRICE + ", "
          + ProductCommands.RENAME);
      stop.await();
    }
    out.printf("%sexecuted %d command(s), %d rejected%n", SUMMARY, executed.get(), rejected.get());
    return true;
  }

  private boolean catalog(Stop stop) throws Exception {
    var catalog = new ProductCatalog();
    var answered = new AtomicLong();
    // Prints the catalog after each job that moved it to a new position (so not after the first
    // job on an empty store): the launcher waits for the line with the store's last position.
    var printedAt = new AtomicLong(catalog.progress());
    ScheduleListener printer = new ScheduleListener() {
      @Override
      public void jobFinished(ScheduleStatus status) {
        ProductCatalog.Listing listing = catalog.listing();
        if (printedAt.getAndSet(listing.position()) != listing.position()) {
          listing.print(out);
          out.println(CAUGHT_UP + listing.position());
        }
      }
    };
    try (HikariDataSource pool = Postgres.dataSource(Postgres.urlFromEnvironment());
        EventBus bus = Nats.eventBus(codec, nats);
        EventStore store = ShopStorage.postgresStore(pool, schema);
        Schedule readSide = Schedule.continuously(bus, store, catalog.eventNames(),
            ScheduleOptions.builder()
                .debounce(Duration.ofMillis(10))
                .debounceCap(Duration.ofMillis(100))
                .catchUp(CatchUp.BLOCKING)
                .listener(printer)
                .build());
        CommandBus commands = CommandBuses.distributed(bus, codec)) {
      readSide.project(catalog);
      // A query over the command bus: exactly one catalog process answers it, and a synchronous
      // dispatch tells the client it was answered or why not. Commands carry no result back, so
      // the answer travels as an event on the same bus, naming the query's command id.
      commands.handle(CATALOG_QUERY, CatalogQuery.class, query -> {
        if (query.payload().catchUpFirst()) {
          readSide.trigger().get(ANSWER_WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        var answer = new CatalogAnswer(query.id(), catalog.listing());
        bus.publish(List.of(Event.create(CATALOG_ANSWERED, answer)));
        answered.incrementAndGet();
        out.printf("answered query %s with %d product(s) at position %d%n",
            query.id(), answer.listing().products().size(), answer.listing().position());
      });
      out.println(READY + "catalog at position " + catalog.progress() + ", answering " + CATALOG_QUERY);
      stop.await();
    }
    out.printf("%sapplied events up to position %d, %d product(s), answered %d quer%s%n", SUMMARY,
        catalog.progress(), catalog.listing().products().size(), answered.get(),
        answered.get() == 1 ? "y" : "ies");
    return true;
  }

  private boolean client() throws Exception {
    Map<UUID, CompletableFuture<CatalogAnswer>> answers = new ConcurrentHashMap<>();
    var outcomes = new Outcomes();
    try (EventBus bus = Nats.eventBus(codec, nats);
        Subscription replies = bus.subscribe(Set.of(CATALOG_ANSWERED), e -> {
          var answer = (CatalogAnswer) e.data();
          CompletableFuture<CatalogAnswer> waiting = answers.get(answer.queryId());
          if (waiting != null) {
            waiting.complete(answer);
          }
        });
        CommandBus commands = CommandBuses.distributed(bus, codec)) {
      UUID mouse = UUID.randomUUID();
      UUID pad = UUID.randomUUID();
      for (ShopScript.Step step : ShopScript.STEPS) {
        outcomes.expect(commands, step.product(mouse, pad), step);
      }

      Command<CatalogQuery> query = Command.create(CATALOG_QUERY, new CatalogQuery(true));
      var answer = new CompletableFuture<CatalogAnswer>();
      answers.put(query.id(), answer);
      commands.dispatch(query, DispatchOptions.sync());
      ProductCatalog.Listing listing = answer.get(ANSWER_WAIT.toSeconds(), TimeUnit.SECONDS).listing();
      out.println(CATALOG_QUERY + ": answered at position " + listing.position());
      listing.print(out);
      boolean ok = outcomes.failures == 0
          && listing.products().size() == ShopScript.Target.values().length
          && replies.isActive();
      out.printf("%sdispatched %d command(s): %d done, %d rejected as expected, %d unexpected outcome(s);"
              + " the catalog answered with %d product(s)%n",
          SUMMARY, outcomes.dispatched, outcomes.done, outcomes.rejected, outcomes.failures,
          listing.products().size());
      return ok;
    }
  }

  /** The client's tally of command outcomes, printing each. */
  private final class Outcomes {
    int dispatched;
    int done;
    int rejected;
    int failures;

    void expect(CommandBus commands, UUID product, ShopScript.Step step) {
      dispatched++;
      String command = String.format("%-21s %s", step.name(), step.payload());
      try {
        ShopScript.send(commands, product, step.name(), step.payload());
      } catch (CommandExecutionException e) {
        if (step.breaksARule()) {
          rejected++;
          out.printf("%s: rejected [%s] %s%n", command, e.code(), e.getMessage());
        } else {
          failures++;
          out.printf("%s: UNEXPECTEDLY rejected [%s] %s%n", command, e.code(), e.getMessage());
        }
        return;
      }
      if (step.breaksARule()) {
        failures++;
        out.printf("%s: UNEXPECTEDLY done%n", command);
      } else {
        done++;
        out.printf("%s: done%n", command);
      }
    }
  }

  private static String describe(CommandReport report) {
    Command<?> c = report.command();
    String target = c.aggregate().map(a -> " for " + a.name() + " " + a.id()).orElse("");
    return "executed " + c.name() + target + report.failure()
        .map(e -> ": rejected [" + e.code() + "] " + e.message())
        .orElse(": done");
  }

  /**
   * When a serving role stops: on SIGTERM or Ctrl-C, through a shutdown hook that then waits (at
   * most {@link #CLOSE_WAIT}) until the role closed what it opened and printed its summary; and, only
   * when asked to, when standard input ends (the launcher is gone), which ends the JVM normally.
   * Standard input is otherwise never read: a role in the background of a shell would be stopped by
   * SIGTTIN, and one whose input is {@code /dev/null} would stop as soon as it started.
   */
  private static final class Stop {
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    private final CountDownLatch asked = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);

    Stop(boolean onStdinClose) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        asked.countDown();
        try {
          // The JVM halts once the hooks returned: give the role time to close and summarize.
          finished.await(CLOSE_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "shop-stop"));
      if (onStdinClose) {
        Thread.ofPlatform().daemon().name("shop-stdin").start(() -> {
          try {
            while (System.in.read() >= 0) {
              // what comes in is ignored: only the end of the input matters
            }
          } catch (IOException | RuntimeException e) {
            System.err.println("reading standard input failed, stopping: " + e);
          }
          asked.countDown();
        });
      }
    }

    /** Returns once the process is asked to stop. */
    void await() throws InterruptedException {
      asked.await();
    }

    /** The role closed everything and printed its summary: a shutdown may go on. */
    void finished() {
      finished.countDown();
    }
  }
}
