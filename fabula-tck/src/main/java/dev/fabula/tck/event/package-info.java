/** Conformance suites for event stores and event buses. */
@NullMarked
package dev.fabula.tck.event;

import org.jspecify.annotations.NullMarked;
