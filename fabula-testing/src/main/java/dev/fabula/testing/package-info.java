/**
 * Test fixtures for application authors: {@link dev.fabula.testing.AggregateFixture} for
 * given/when/then tests of aggregates. Depend on this module in test scope.
 */
@NullMarked
package dev.fabula.testing;

import org.jspecify.annotations.NullMarked;
