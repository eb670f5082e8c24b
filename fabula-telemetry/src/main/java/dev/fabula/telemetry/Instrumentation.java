package dev.fabula.telemetry;

/**
 * Observes Fabula's operations for one telemetry system: {@link MicrometerMetrics} records meters,
 * {@link OpenTelemetryTracing} spans; an application may add its own (a structured log, say).
 * {@link Telemetry}'s decorators call it; implementations are thread-safe and must not throw from
 * {@link #start} or from the returned {@link Observation}.
 */
@FunctionalInterface
public interface Instrumentation {
  /** Starts observing {@code operation}; the decorator ends the returned observation. */
  Observation start(Operation operation);
}
