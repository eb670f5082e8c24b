/**
 * The PostgreSQL backend: an {@link dev.fabula.event.EventStore} with gap-safe global positions, a
 * {@link dev.fabula.snapshot.SnapshotStore} and a {@link dev.fabula.projection.ProgressStore} on
 * pgjdbc and a HikariCP pool, plus exactly-once SQL read models ({@link
 * dev.fabula.postgres.SqlProjection}). Start at {@link dev.fabula.postgres.Postgres}.
 *
 * <p>Tables are created on first use (or only validated, see {@link
 * dev.fabula.postgres.PostgresOptions.SchemaPolicy}); the DDL is in {@code docs/adr/0005} and in
 * every {@link dev.fabula.postgres.PostgresSchemaException}.
 */
@NullMarked
package dev.fabula.postgres;

import org.jspecify.annotations.NullMarked;
