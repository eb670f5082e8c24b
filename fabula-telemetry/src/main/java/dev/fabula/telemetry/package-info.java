/**
 * Metrics and tracing for Fabula. {@link dev.fabula.telemetry.Telemetry} decorates an event store,
 * an event bus, a command bus and a snapshot store, and gives the {@link
 * dev.fabula.projection.ApplyInterceptor} for projection schedules; each observed operation goes
 * to the {@link dev.fabula.telemetry.Instrumentation}s it was made with: {@link
 * dev.fabula.telemetry.MicrometerMetrics} (meters), {@link
 * dev.fabula.telemetry.OpenTelemetryTracing} (spans), or one of the application's own. The
 * decorators work over every backend alike.
 *
 * <pre>{@code
 * Telemetry telemetry = Telemetry.of(MicrometerMetrics.of(registry), OpenTelemetryTracing.of(openTelemetry));
 * EventBus bus = telemetry.eventBus(rawBus);
 * EventStore store = telemetry.eventStore(EventStores.publishing(rawStore, bus));
 * CommandBus commands = telemetry.commandBus(CommandBuses.inProcess());
 * Schedule schedule = Schedule.continuously(bus, store, names,
 *     ScheduleOptions.builder().interceptor(telemetry.interceptor()).build());
 * }</pre>
 *
 * <h2>Meters</h2>
 *
 * No tag ever holds an id (aggregate, event or command id): tags are names the application
 * registered (command, event, aggregate type, projection, schedule) and the closed set of
 * outcomes below.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@code fabula.command.dispatch}</td><td>timer</td><td>command, outcome</td>
 *       <td>a dispatch, until it returned (accepted, or finished for a synchronous one)</td></tr>
 *   <tr><td>{@code fabula.command.handle}</td><td>timer</td><td>command, outcome</td>
 *       <td>a handler's run on the bus that executed it</td></tr>
 *   <tr><td>{@code fabula.store.append}</td><td>timer</td><td>aggregate, outcome</td>
 *       <td>an insert; the count with {@code outcome=conflict} counts version conflicts</td></tr>
 *   <tr><td>{@code fabula.store.append.events}</td><td>summary</td><td>aggregate</td>
 *       <td>the batch size of each insert</td></tr>
 *   <tr><td>{@code fabula.store.load}</td><td>timer</td><td>aggregate, outcome</td>
 *       <td>a read of one aggregate's stream (a repository's load), until the stream closed</td></tr>
 *   <tr><td>{@code fabula.store.load.events}</td><td>summary</td><td>aggregate</td>
 *       <td>the events each load replayed</td></tr>
 *   <tr><td>{@code fabula.snapshot.load}</td><td>counter</td><td>aggregate, result</td>
 *       <td>a snapshot lookup: {@code hit}, {@code miss} or {@code error}</td></tr>
 *   <tr><td>{@code fabula.bus.publish}</td><td>timer</td><td>outcome</td>
 *       <td>a publish of a batch</td></tr>
 *   <tr><td>{@code fabula.bus.publish.events}</td><td>summary</td><td></td>
 *       <td>the batch size of each publish</td></tr>
 *   <tr><td>{@code fabula.bus.deliver}</td><td>timer</td><td>event, outcome</td>
 *       <td>a subscriber's handling of one delivered event</td></tr>
 *   <tr><td>{@code fabula.bus.redeliver}</td><td>counter</td><td>event</td>
 *       <td>an event delivered again to a subscription whose handler failed on it</td></tr>
 *   <tr><td>{@code fabula.projection.apply}</td><td>timer</td><td>projection, event, outcome</td>
 *       <td>one event applied to one projection by a schedule's job (throughput: its count)</td></tr>
 *   <tr><td>{@code fabula.projection.lag}</td><td>timer</td><td>projection</td>
 *       <td>how old each event was (its time to the apply) when the projection applied it</td></tr>
 *   <tr><td>{@code fabula.schedule.position}, {@code .head}, {@code .lag}</td><td>gauges</td>
 *       <td>schedule</td><td>a {@linkplain dev.fabula.telemetry.MicrometerMetrics#monitor monitored}
 *       schedule's status: its slowest projection's position, the store's head, the lag in
 *       positions</td></tr>
 * </table>
 *
 * <p>Outcomes: {@code success}; stores: {@code conflict}, {@code duplicate}, {@code invalid},
 * {@code unknown} (the store could not tell whether the batch was stored); dispatch: {@code
 * failed} (the handler failed, synchronous dispatch), {@code no_handler}, {@code timeout}; handlers:
 * {@code rejected} (a {@link dev.fabula.command.CommandRejectedException}); anywhere: {@code
 * closed}, {@code error} (anything else).
 *
 * <h2>Spans</h2>
 *
 * <table>
 *   <caption>Spans</caption>
 *   <tr><th>name</th><th>kind</th><th>parent</th></tr>
 *   <tr><td>{@code fabula.command.dispatch}</td><td>producer</td><td>the current span</td></tr>
 *   <tr><td>{@code fabula.command.handle}</td><td>consumer</td>
 *       <td>the dispatch span, from the command's metadata (across processes)</td></tr>
 *   <tr><td>{@code fabula.store.append}</td><td>client</td>
 *       <td>the current span, else the context in the first event's metadata</td></tr>
 *   <tr><td>{@code fabula.store.load}</td><td>client</td><td>the current span</td></tr>
 *   <tr><td>{@code fabula.bus.publish}</td><td>producer</td>
 *       <td>the current span, else the context in the first event's metadata</td></tr>
 *   <tr><td>{@code fabula.bus.deliver}</td><td>consumer</td>
 *       <td>the publish span, from the event's metadata (across processes)</td></tr>
 *   <tr><td>{@code fabula.projection.apply}</td><td>consumer</td>
 *       <td>the append span, from the stored event's metadata</td></tr>
 * </table>
 *
 * <p>The trace context travels in {@link dev.fabula.event.Metadata} under the keys of the
 * configured propagator (W3C: {@code traceparent}, {@code tracestate}): the dispatch span's in the
 * command's metadata, the append span's in each stored event's, the publish span's in each
 * published event's. Every bus and store carries metadata, so a trace follows a command from the
 * dispatcher to the handler on another process, to the store, and to projections and subscribers
 * anywhere. Attributes: {@code fabula.command.name}, {@code fabula.command.id}, {@code
 * fabula.aggregate.name}, {@code fabula.aggregate.id}, {@code fabula.event.name}, {@code
 * fabula.event.id}, {@code fabula.event.position}, {@code fabula.events.count}, {@code
 * fabula.projection.name}, {@code fabula.outcome}; a failure sets the span's status to error and
 * records the exception.
 */
@NullMarked
package dev.fabula.telemetry;

import org.jspecify.annotations.NullMarked;
