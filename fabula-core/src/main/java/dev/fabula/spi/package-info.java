/**
 * What Fabula's backends share and application code should not use: the input limits every store
 * enforces ({@link dev.fabula.spi.EventLimits}), the argument checks that name a bad argument the
 * same way in every store ({@link dev.fabula.spi.Arguments}), and the listeners behind {@link
 * dev.fabula.event.InsertNotifying} ({@link dev.fabula.spi.InsertListeners}). Kept in one place so
 * that every backend behaves the same. Not a stable API (the module descriptors of the coming
 * backend SPI will export it to Fabula's own modules only); call the types of {@link
 * dev.fabula.event} instead.
 */
@NullMarked
package dev.fabula.spi;

import org.jspecify.annotations.NullMarked;
