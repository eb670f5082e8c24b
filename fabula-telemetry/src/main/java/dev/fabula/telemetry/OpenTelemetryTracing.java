package dev.fabula.telemetry;

import dev.fabula.command.AggregateTarget;
import dev.fabula.command.Command;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Traces Fabula's operations as OpenTelemetry spans (names, kinds, parents and attributes in the
 * package documentation), and carries the trace context in the metadata of commands and events
 * with the {@link OpenTelemetry#getPropagators() propagator} configured (W3C trace context:
 * {@code traceparent}, {@code tracestate}). Use it through {@link Telemetry#of}.
 *
 * <p>Thread-safe. Needs {@code io.opentelemetry:opentelemetry-api} at run time (an optional
 * dependency of this module); an SDK or agent the application configures records the spans.
 */
public final class OpenTelemetryTracing implements Instrumentation {
  /** The instrumentation scope name of the spans. */
  public static final String SCOPE = "dev.fabula";

  static final String DISPATCH = "fabula.command.dispatch";
  static final String HANDLE = "fabula.command.handle";
  static final String APPEND = "fabula.store.append";
  static final String LOAD = "fabula.store.load";
  static final String PUBLISH = "fabula.bus.publish";
  static final String DELIVER = "fabula.bus.deliver";
  static final String APPLY = "fabula.projection.apply";

  private static final TextMapGetter<Metadata> FROM_METADATA =
      new TextMapGetter<>() {
        @Override
        public @Nullable String get(@Nullable Metadata carrier, String key) {
          return carrier == null ? null : carrier.values().get(key);
        }
      };

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  private OpenTelemetryTracing(OpenTelemetry openTelemetry) {
    this.tracer = openTelemetry.getTracer(SCOPE);
    this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
  }

  /** Spans from {@code openTelemetry}'s tracer, context carried by its propagator. */
  public static OpenTelemetryTracing of(OpenTelemetry openTelemetry) {
    return new OpenTelemetryTracing(Objects.requireNonNull(openTelemetry, "openTelemetry"));
  }

  @Override
  public Observation start(Operation operation) {
    Objects.requireNonNull(operation, "operation");
    Context current = Context.current();
    SpanBuilder span =
        switch (operation) {
          case Operation.Dispatch d ->
              command(tracer.spanBuilder(DISPATCH).setSpanKind(SpanKind.PRODUCER), d.command())
                  .setParent(current);
          case Operation.Handle h ->
              command(tracer.spanBuilder(HANDLE).setSpanKind(SpanKind.CONSUMER), h.command())
                  .setParent(extracted(h.command().metadata(), current));
          case Operation.Append a ->
              tracer.spanBuilder(APPEND)
                  .setSpanKind(SpanKind.CLIENT)
                  .setAttribute("fabula.aggregate.name", a.aggregateName())
                  .setAttribute("fabula.events.count", a.events().size())
                  .setParent(currentElse(current, a.events().getFirst().metadata()));
          case Operation.Load l ->
              tracer.spanBuilder(LOAD)
                  .setSpanKind(SpanKind.CLIENT)
                  .setAttribute("fabula.aggregate.name", l.aggregateName())
                  .setParent(current);
          case Operation.Publish p ->
              tracer.spanBuilder(PUBLISH)
                  .setSpanKind(SpanKind.PRODUCER)
                  .setAttribute("fabula.events.count", p.events().size())
                  .setParent(currentElse(current, p.events().getFirst().metadata()));
          case Operation.Deliver d ->
              event(tracer.spanBuilder(DELIVER).setSpanKind(SpanKind.CONSUMER), d.event())
                  .setParent(extracted(d.event().metadata(), current));
          case Operation.Apply a ->
              event(tracer.spanBuilder(APPLY).setSpanKind(SpanKind.CONSUMER), a.event())
                  .setAttribute("fabula.projection.name", a.projectionName())
                  .setParent(extracted(a.event().metadata(), current));
          case Operation.SnapshotLoad s -> null;
        };
    return span == null ? NOTHING : new Traced(span.startSpan());
  }

  private static final Observation NOTHING = failure -> {};

  private static SpanBuilder command(SpanBuilder span, Command<?> command) {
    span.setAttribute("fabula.command.name", command.name())
        .setAttribute("fabula.command.id", command.id().toString());
    AggregateTarget target = command.aggregateOrNull();
    if (target != null) {
      span.setAttribute("fabula.aggregate.name", target.name())
          .setAttribute("fabula.aggregate.id", target.id().toString());
    }
    return span;
  }

  private static SpanBuilder event(SpanBuilder span, Event<?> event) {
    span.setAttribute("fabula.event.name", event.name())
        .setAttribute("fabula.event.id", event.id().toString());
    if (event.position() > 0) {
      span.setAttribute("fabula.event.position", event.position());
    }
    AggregateRef ref = event.aggregateOrNull();
    if (ref != null) {
      span.setAttribute("fabula.aggregate.name", ref.name())
          .setAttribute("fabula.aggregate.id", ref.id().toString());
    }
    return span;
  }

  /** The context {@code metadata} carries, when it carries a span; else {@code current}. */
  private Context extracted(Metadata metadata, Context current) {
    if (metadata.isEmpty()) {
      return current;
    }
    Context remote = propagator.extract(Context.root(), metadata, FROM_METADATA);
    return Span.fromContext(remote).getSpanContext().isValid() ? remote : current;
  }

  /** {@code current} when it holds a span; else the context {@code metadata} carries. */
  private Context currentElse(Context current, Metadata metadata) {
    return Span.fromContext(current).getSpanContext().isValid()
        ? current
        : extracted(metadata, current);
  }

  /** One operation's span. */
  private final class Traced implements Observation {
    private final Span span;
    private @Nullable Metadata carried;

    Traced(Span span) {
      this.span = span;
    }

    @Override
    public Metadata propagate(Metadata metadata) {
      Metadata entries = carried;
      if (entries == null) {
        Map<String, String> out = new LinkedHashMap<>();
        propagator.inject(Context.root().with(span), out, (map, key, value) -> {
          if (map != null) {
            map.put(key, value);
          }
        });
        entries = new Metadata(out);
        carried = entries;
      }
      return metadata.merge(entries);
    }

    @Override
    public Scope makeCurrent() {
      io.opentelemetry.context.Scope scope = span.makeCurrent();
      return scope::close;
    }

    @Override
    public void count(long items) {
      span.setAttribute("fabula.events.count", items);
    }

    @Override
    public void end(@Nullable Throwable failure) {
      String outcome = Tags.outcome(failure);
      span.setAttribute("fabula.outcome", outcome);
      if (failure != null) {
        span.recordException(failure);
        span.setStatus(StatusCode.ERROR, outcome);
      }
      span.end();
    }
  }

  @Override
  public String toString() {
    return "OpenTelemetryTracing[" + tracer + "]";
  }
}
