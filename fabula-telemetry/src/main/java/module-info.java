/**
 * Metrics (Micrometer) and tracing (OpenTelemetry) for Fabula's stores, buses, command buses and
 * projections, as decorators over core's public interfaces: one instrumentation serves every
 * backend. Both libraries are optional ({@code requires static}, ADR 0022): an application adds
 * the one it uses, and the classes of the other are never loaded.
 */
module dev.fabula.telemetry {
  // The decorators take and return core's types.
  requires transitive dev.fabula.core;
  // MicrometerMetrics.of takes a MeterRegistry, OpenTelemetryTracing.of an OpenTelemetry: an
  // application that calls them reads those modules anyway.
  requires static transitive micrometer.core;
  requires static transitive io.opentelemetry.api;
  requires static transitive io.opentelemetry.context;

  exports dev.fabula.telemetry;
}
