package dev.fabula.command;

import java.util.function.Predicate;

/**
 * Delivers each dispatched command to exactly one handler, and runs the handlers registered on it.
 *
 * <p>Promises (checked by the conformance kit in {@code fabula-tck}):
 *
 * <ul>
 *   <li>Each command is executed at most once, by exactly one handler across every bus that shares
 *       the transport, or the dispatcher gets a {@link NoHandlerException}.
 *   <li>A bus accepts a command only when it can start its handler at once; once accepted, the
 *       command runs and its outcome is reported — it is never silently dropped.
 *   <li>Handlers run on virtual threads, at most {@link CommandBusOptions#concurrency()} at once per
 *       bus (an in-process bus with {@link CommandBusOptions#callerRuns()} runs synchronously
 *       dispatched ones on the dispatching thread instead). A failing or hanging handler does not
 *       stop the bus from serving other commands.
 *   <li>Every wait of {@link #dispatch} is bounded by its {@link DispatchOptions} (except a handler
 *       that {@link CommandBusOptions#callerRuns()} runs on the dispatching thread: the call lasts
 *       as long as the handler).
 * </ul>
 *
 * <p>Create one with {@link CommandBuses}. Thread-safe.
 */
public interface CommandBus extends AutoCloseable {
  /**
   * Dispatches {@code command} and waits as {@code options} say.
   *
   * <p>Each call is a dispatch of its own: dispatching a command again with the same id (a retry
   * after a {@link NoHandlerException}, or a command whose earlier outcome is unknown) offers it to
   * the handlers again, so it may run again; a handler that must act once de-duplicates by command
   * id. Dispatch one command id from one caller at a time: a distributed bus refuses a second
   * dispatch of an id it is still dispatching, and two buses dispatching the same id at once may
   * each fail or both run (ADR 0003).
   *
   * @throws NoHandlerException when no handler accepted it within the assign timeout
   * @throws CommandExecutionException when dispatched synchronously and the handler failed
   * @throws DispatchTimeoutException when the dispatcher stopped waiting for a command that may
   *     still run
   * @throws dev.fabula.codec.UnknownNameException when a distributed bus's codec does not know the
   *     command's name (nothing is sent)
   * @throws dev.fabula.codec.PayloadException when the payload does not fit the registered type
   *     (nothing is sent)
   * @throws dev.fabula.ClosedException when the bus is closed
   */
  void dispatch(Command<?> command, DispatchOptions options);

  /**
   * Registers the handler of the commands named {@code name}, accepting every one of them.
   *
   * @throws DuplicateHandlerException when this bus already has a handler for {@code name}
   */
  default <P> HandlerRegistration handle(String name, Class<P> payloadType, CommandHandler<P> handler) {
    return handle(name, payloadType, command -> true, handler);
  }

  /**
   * Registers the handler of the commands named {@code name} that {@code filter} accepts. A command
   * the filter declines is left to other buses. The filter runs on the bus's delivery thread: keep
   * it fast and free of blocking. A filter that throws (an {@link Error} too) declines the command
   * on a distributed bus, which logs the failure and goes on serving; on an in-process bus it runs
   * on the dispatching thread, and the dispatcher gets what it threw.
   *
   * @throws DuplicateHandlerException when this bus already has a handler for {@code name}
   * @throws dev.fabula.codec.UnknownNameException when a distributed bus's codec does not know
   *     {@code name}
   * @throws IllegalArgumentException when the registered type of {@code name} is not a {@code
   *     payloadType}
   * @throws dev.fabula.ClosedException when the bus is closed
   */
  <P> HandlerRegistration handle(
      String name,
      Class<P> payloadType,
      Predicate<? super Command<P>> filter,
      CommandHandler<P> handler);

  /**
   * Stops the bus: dispatches still waiting fail with a {@link dev.fabula.ClosedException}, no new
   * command is accepted, handlers already running finish on their own. A distributed bus gives
   * back every command it asked for and has not started, so their dispatchers place them on
   * another bus (or fail with a {@link NoHandlerException} saying the command did not run) instead
   * of waiting for an acceptance that will never come. Idempotent. Does not close the event bus it
   * runs over.
   */
  @Override
  void close();
}
