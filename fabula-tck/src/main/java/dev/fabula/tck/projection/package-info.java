/**
 * Conformance suites for projection backends: {@link
 * dev.fabula.tck.projection.ProgressStoreConformance} for {@link
 * dev.fabula.projection.ProgressStore} implementations.
 */
@NullMarked
package dev.fabula.tck.projection;

import org.jspecify.annotations.NullMarked;
