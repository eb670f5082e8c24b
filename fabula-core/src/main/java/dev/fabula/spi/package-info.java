/**
 * What Fabula's own modules share and application code must not use: the input limits every
 * store enforces ({@link dev.fabula.spi.EventLimits}), the argument checks that name a bad argument
 * the same way in every store ({@link dev.fabula.spi.Arguments}), the listeners behind {@link
 * dev.fabula.event.InsertNotifying} ({@link dev.fabula.spi.InsertListeners}), the accessor through
 * which the repository commits an aggregate ({@link dev.fabula.spi.AggregateAccess}), the wire
 * records of the distributed command bus ({@link dev.fabula.spi.CommandProtocol}), the
 * time-ordered id generator ({@link dev.fabula.spi.UuidV7}), the builders' refusal of a setting
 * made twice or contradicting another ({@link dev.fabula.spi.Settings}), the one query plan every
 * store translates ({@link dev.fabula.spi.QueryPlan}), the check of a batch before a store
 * writes it ({@link dev.fabula.spi.BatchValidator}), what every event bus does around its
 * subscriptions (argument checks, error reports, the identity of a queue group: {@link
 * dev.fabula.spi.Subscriptions}), the little JSON backends write themselves around payloads
 * ({@link dev.fabula.spi.Json}), and the read-model repository every backend builds on its own
 * storage ({@link dev.fabula.spi.ReadModelStorage}, {@link dev.fabula.spi.StoredReadModels}). Kept in one place so that every backend behaves the same.
 *
 * <p>Not a stable API. On the module path the package is exported only to Fabula's own modules
 * (see {@code module-info.java} and ADR 0016); on the class path nothing stops a caller, but
 * nothing here is promised to stay. Applications call the types of the API packages instead.
 */
@NullMarked
package dev.fabula.spi;

import org.jspecify.annotations.NullMarked;
