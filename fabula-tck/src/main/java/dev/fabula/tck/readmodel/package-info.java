/**
 * The conformance suite for read-model backends: {@link
 * dev.fabula.tck.readmodel.ReadModelRepositoryConformance} for {@link
 * dev.fabula.readmodel.ReadModelRepository} implementations.
 */
@NullMarked
package dev.fabula.tck.readmodel;

import org.jspecify.annotations.NullMarked;
