package dev.fabula.bench;

import dev.fabula.event.Event;
import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import dev.fabula.telemetry.Instrumentation;
import dev.fabula.telemetry.MicrometerMetrics;
import dev.fabula.telemetry.OpenTelemetryTracing;
import dev.fabula.telemetry.Telemetry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@code fabula-telemetry} costs an append: one event inserted into the in-memory store, plain
 * or through {@code Telemetry.eventStore} with Micrometer's simple registry ({@code metrics}), the
 * OpenTelemetry SDK sampling every span into a batch processor whose exporter drops them
 * ({@code tracing}: the span, the W3C context written into the event's metadata), or both.
 * Report it as the ratio of each variant to {@code plain} from the same run. Not part of {@link
 * BenchMain}'s table; run it with {@code java -jar fabula-bench/target/benchmarks.jar
 * TelemetryOverhead}. Score: appends/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
public class TelemetryOverheadBenchmark {
    /** How the store is observed. */
    @Param({"plain", "metrics", "tracing", "both"})
    public String variant;

    private final long run = System.nanoTime();
    private long next;
    private EventStore store;
    private OpenTelemetrySdk sdk;

    /** A fresh store per iteration, so memory does not grow across the run. */
    @Setup(Level.Iteration)
    public void open() {
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(BatchSpanProcessor.builder(new Dropping()).build())
                        .build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        Instrumentation metrics = MicrometerMetrics.of(new SimpleMeterRegistry());
        Instrumentation tracing = OpenTelemetryTracing.of(sdk);
        EventStore raw = InMemory.eventStore();
        store = switch (variant) {
            case "plain" -> raw;
            case "metrics" -> Telemetry.of(metrics).eventStore(raw);
            case "tracing" -> Telemetry.of(tracing).eventStore(raw);
            case "both" -> Telemetry.of(metrics, tracing).eventStore(raw);
            default -> throw new IllegalArgumentException("unknown variant " + variant);
        };
    }

    /** Closes the store and the SDK. */
    @TearDown(Level.Iteration)
    public void close() {
        store.close();
        sdk.close();
    }

    /** One event of a new aggregate. */
    @Benchmark
    public List<Event<?>> append() {
        return store.insert(List.of(
                Event.create("bench.appended", "x").withAggregate("bench", new UUID(run, next++), 1)));
    }

    /** An exporter that drops every span: the benchmark measures recording, not shipping. */
    private static final class Dropping implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
