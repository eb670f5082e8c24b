package dev.fabula.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.bench.domain.Flow;
import dev.fabula.bench.domain.Tick;
import dev.fabula.codec.Codec;
import dev.fabula.command.CommandBus;
import dev.fabula.command.CommandBuses;
import dev.fabula.event.Event;
import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.EventStores;
import dev.fabula.memory.InMemory;
import dev.fabula.postgres.Postgres;
import dev.fabula.postgres.PostgresOptions;
import dev.fabula.workflow.WorkflowDefinition;
import dev.fabula.workflow.WorkflowService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Timer precision of one workflow service on PostgreSQL (issue 22): how late a timeout's handler
 * runs after its due time while {@code pending} [10,000] other timeouts wait in the service. A
 * measured harness rather than a JMH benchmark (the figure is a distribution of delays the service
 * produces on its own timer thread, not the time of a call); {@code run.sh --timers} runs it.
 *
 * <p>It starts {@code pending} workflows whose timeouts are due in a day, then {@code probes}
 * [300] whose timeouts fall due {@code spacingMs} [50] ms apart, the first once every probe is
 * surely opened (it fails when one fired before: then the figure would be the opening's), waits until
 * every probe's handler ran, and prints the median, p99 and maximum of the delays from due time
 * to handler (the handler runs inside the firing transition, after the instance is loaded and
 * before it commits), with how many timeouts the service held meanwhile; and, as a control measured
 * over the same seconds, how late a virtual thread that only sleeps until each due time wakes. The spacing keeps the
 * probes' rate (20/s) far below the rate one service fires timeouts at (each firing is a load and
 * a commit, one after the other on the timer thread), so the figure is the timer's precision;
 * with {@code spacingMs} below a firing's duration the delays grow along the run, measuring that
 * rate instead.
 *
 * <pre>
 * TimerPrecision [pending=10000] [probes=300] [spacingMs=50]
 * </pre>
 */
public final class TimerPrecision {

    private static final String SCHEMA = "bench_workflow_timers";
    private static final int BATCH = 500;

    private TimerPrecision() {
    }

    /**
     * Runs the measurement and prints the figures.
     *
     * @param args {@code key=value}: {@code pending}, {@code probes}, {@code spacingMs}
     * @throws InterruptedException when interrupted while waiting for the probes
     */
    public static void main(String[] args) throws InterruptedException {
        int pending = 10_000;
        int probes = 300;
        int spacingMs = 50;
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "pending" -> pending = Integer.parseInt(kv[1]);
                case "probes" -> probes = Integer.parseInt(kv[1]);
                case "spacingMs" -> spacingMs = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument " + arg
                        + "; expected pending=N, probes=N, spacingMs=N");
            }
        }
        Queue<Duration> delays = new ConcurrentLinkedQueue<>();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        WorkflowDefinition<Flow> definition = BenchWorkflows.definition(delays::add);
        Codec codec = BenchWorkflows.codec(definition);
        BenchDatabase.recreateSchema(SCHEMA);
        try (HikariDataSource dataSource = Postgres.dataSource(BenchDatabase.url());
                EventStore store = Postgres.eventStore(dataSource, codec,
                        PostgresOptions.builder().schema(SCHEMA).build());
                EventBus bus = InMemory.eventBus();
                CommandBus commands = CommandBuses.inProcess();
                WorkflowService service = WorkflowService.builder(store, bus, commands, codec)
                        .add(definition)
                        .resyncInterval(Duration.ofHours(1))
                        .onFailure(failures::add)
                        .build()) {
            EventStore publishing = EventStores.publishing(store, bus);
            service.start();
            long far = BenchWorkflows.micros(Instant.now().plus(BenchWorkflows.IDLE_AFTER));
            long started = System.nanoTime();
            open(publishing, "pending-", pending, i -> far);
            service.awaitCaughtUp(Duration.ofMinutes(10));
            double perOpening = (System.nanoTime() - started) / (double) Math.max(1, pending);
            System.out.printf(Locale.ROOT, "timeouts pending in the service: %d (opened at %.0f/s)%n",
                    service.activeTimeouts(), 1e9 / perOpening);
            // The first probe falls due well after all of them are opened (three times the time
            // the pending ones took per opening, and a second more): a probe that fired before
            // every probe was opened would measure the opening, not the timer.
            Instant first = Instant.now().plusNanos((long) (3 * perOpening * probes)).plusSeconds(1);
            int spacing = spacingMs;
            open(publishing, "probe-", probes,
                    i -> BenchWorkflows.micros(first.plusMillis((long) i * spacing)));
            service.awaitCaughtUp(Duration.ofMinutes(10));
            // The control, over the same seconds: a virtual thread that only sleeps until each
            // probe's due time and notes how late it woke (the machine's own jitter).
            List<Long> control = new ArrayList<>();
            int count = probes;
            Thread sleeper = Thread.ofVirtual().name("timer-precision-control").start(() -> {
                try {
                    sleepUntilEach(first, spacing, count, control);
                } catch (Throwable t) {
                    failures.add(t);
                }
            });
            int held = service.activeTimeouts();
            if (held < pending + probes) {
                throw new IllegalStateException((pending + probes - held) + " probes fired before every probe"
                        + " was opened: the machine is slower than the lead allowed; run again");
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (delays.size() < probes && failures.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            if (!failures.isEmpty()) {
                throw new IllegalStateException("the workflow service failed: " + failures.peek(), failures.peek());
            }
            if (delays.size() < probes) {
                throw new IllegalStateException("only " + delays.size() + " of " + probes + " probes fired");
            }
            sleeper.join();
            List<Long> micros = new ArrayList<>(delays.stream().map(d -> d.toNanos() / 1_000).sorted().toList());
            System.out.printf(Locale.ROOT,
                    "timer delay from due time to handler, %d probes %d ms apart, %d timeouts held"
                            + " (%d pending): median %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    probes, spacingMs, held, pending, percentile(micros, 0.50) / 1e3,
                    percentile(micros, 0.99) / 1e3, micros.getLast() / 1e3);
            List<Long> woke = control.stream().sorted().toList();
            System.out.printf(Locale.ROOT,
                    "control, a virtual thread sleeping until the same due times: median %.2f ms, p99 %.2f ms,"
                            + " max %.2f ms%n",
                    percentile(woke, 0.50) / 1e3, percentile(woke, 0.99) / 1e3, woke.getLast() / 1e3);
        } finally {
            BenchDatabase.dropSchema(SCHEMA);
        }
    }

    private static void open(EventStore store, String prefix, int count, java.util.function.IntToLongFunction due) {
        List<Event<?>> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < count; i++) {
            batch.add(Event.create(BenchWorkflows.OPENED, new Tick(prefix + i, due.applyAsLong(i))));
            if (batch.size() == BATCH || i == count - 1) {
                store.insert(batch);
                batch.clear();
            }
        }
    }

    /** Sleeps until each due time in turn and notes, in microseconds, how late it woke. */
    private static void sleepUntilEach(Instant first, int spacingMs, int count, List<Long> late) {
        for (int i = 0; i < count; i++) {
            Instant due = first.plusMillis((long) i * spacingMs);
            Duration wait = Duration.between(Instant.now(), due);
            while (wait.isPositive()) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait.toNanos());
                wait = Duration.between(Instant.now(), due);
            }
            late.add(Duration.between(due, Instant.now()).toNanos() / 1_000);
        }
    }

    /** The nearest-rank percentile of sorted values. */
    private static long percentile(List<Long> sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
