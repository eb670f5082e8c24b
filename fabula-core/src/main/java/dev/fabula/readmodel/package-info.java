/**
 * Read models kept by id: the {@link dev.fabula.readmodel.ReadModelRepository} that projections
 * and query handlers use to fetch, save, update ({@code use}) and delete one model at a time, its
 * {@link dev.fabula.readmodel.ReadModelOptions}, and its exceptions. The in-memory repository is
 * {@code InMemory.readModels}; the MongoDB and PostgreSQL modules keep models in a collection or
 * a table, and all of them pass the conformance kit's {@code ReadModelRepositoryConformance}.
 */
@NullMarked
package dev.fabula.readmodel;

import org.jspecify.annotations.NullMarked;
