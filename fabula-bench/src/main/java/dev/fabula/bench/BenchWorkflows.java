package dev.fabula.bench;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.bench.domain.Flow;
import dev.fabula.bench.domain.Tick;
import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.workflow.Correlator;
import dev.fabula.workflow.WorkflowDefinition;
import dev.fabula.workflow.WorkflowService;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * What the workflow benchmarks share: one workflow and its codec, and the tally aggregate of the
 * {@code Repository.use} floor.
 *
 * <p>The workflow, keyed by {@link Tick#key()}: {@link #OPENED} starts it with a timeout
 * {@link #IDLE} due at {@link Tick#n()} (epoch microseconds); each {@link #TICK} is a transition
 * that keeps the tick's number in the state and schedules {@link #IDLE} a day later (an effect
 * recorded, replacing the previous one); when {@link #IDLE} fires, the workflow tells how late its
 * handler ran after the due time, and completes.
 */
final class BenchWorkflows {

    /** Starts a workflow. */
    static final String OPENED = "bench.flow.opened";
    /** A trigger of a running workflow. */
    static final String TICK = "bench.flow.tick";
    /** The event of the floor's tally aggregate. */
    static final String TICKED = "bench.tally.ticked";
    /** The workflow's timeout. */
    static final String IDLE = "idle";
    /** How far a tick pushes the timeout. */
    static final Duration IDLE_AFTER = Duration.ofDays(1);

    private BenchWorkflows() {
    }

    /** The workflow; {@code late} hears how long after its due time each timeout's handler ran. */
    static WorkflowDefinition<Flow> definition(Consumer<Duration> late) {
        Correlator<Tick> byKey = Correlator.byKey((Event<Tick> e) -> e.data().key());
        return WorkflowDefinition.builder("bench-flow", Flow.class, new Flow(0, 0))
                .startsOn(OPENED, Tick.class, byKey, (ctx, e) -> {
                    ctx.state(new Flow(0, e.data().n()));
                    ctx.schedule(IDLE, micros(e.data().n()));
                })
                .reactsTo(TICK, Tick.class, byKey, (ctx, e) -> {
                    Instant due = ctx.now().plus(IDLE_AFTER);
                    ctx.state(new Flow(e.data().n(), micros(due)));
                    ctx.schedule(IDLE, due);
                })
                .onTimeout(IDLE, ctx -> {
                    late.accept(Duration.between(micros(ctx.state().dueMicros()), Instant.now()));
                    ctx.complete();
                })
                .build();
    }

    /** The JSON codec of both sides: the triggers, the tally's event, the workflow protocol and state. */
    static Codec codec(WorkflowDefinition<Flow> definition) {
        CodecRegistry.Builder registry = CodecRegistry.builder()
                .register(OPENED, Tick.class)
                .register(TICK, Tick.class)
                .register(TICKED, Tick.class);
        WorkflowService.registerProtocol(registry);
        definition.registerState(registry);
        return JacksonCodec.create(registry.build());
    }

    static Instant micros(long epochMicros) {
        return Instant.EPOCH.plus(epochMicros, ChronoUnit.MICROS);
    }

    static long micros(Instant instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    /** The floor's aggregate: each tick raises one event with the tick's number. */
    static final class Tally extends AggregateRoot {
        private long n;

        Tally(UUID id) {
            super("bench-tally", id);
            on(TICKED, Tick.class, e -> n = e.n());
        }

        void tick(String key, long number) {
            raise(TICKED, new Tick(key, number));
        }

        long n() {
            return n;
        }
    }
}
