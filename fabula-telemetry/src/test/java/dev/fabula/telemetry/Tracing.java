package dev.fabula.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/** An OpenTelemetry SDK that keeps the spans it ends in memory, with W3C propagation. */
final class Tracing implements AutoCloseable {
  final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  final OpenTelemetrySdk sdk =
      OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
          .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
          .build();

  /** The ended spans, once {@code done} holds of them; fails after a generous wait. */
  List<SpanData> await(Predicate<List<SpanData>> done) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<SpanData> spans = exporter.getFinishedSpanItems();
    while (!done.test(spans) && System.nanoTime() < deadline) {
      Thread.sleep(10);
      spans = exporter.getFinishedSpanItems();
    }
    assertThat(done.test(spans)).as("spans recorded in time: %s", spans.stream().map(SpanData::getName).toList()).isTrue();
    return spans;
  }

  @Override
  public void close() {
    sdk.close();
  }
}
