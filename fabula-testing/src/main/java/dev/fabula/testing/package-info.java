/**
 * Test fixtures for application authors, given/when/then in one test method: {@link
 * dev.fabula.testing.AggregateFixture} for an aggregate's domain methods, {@link
 * dev.fabula.testing.CommandFixture} for its command handlers (events stored, or a coded
 * rejection), {@link dev.fabula.testing.ProjectionFixture} for read models, and {@link
 * dev.fabula.testing.WorkflowFixture} for workflows (commands requested, timeouts, status). Expected events are
 * {@link dev.fabula.testing.RaisedEvent}s, which may also check metadata. Failures are {@link
 * AssertionError}s. Depend on this module in test scope.
 */
@NullMarked
package dev.fabula.testing;

import org.jspecify.annotations.NullMarked;
