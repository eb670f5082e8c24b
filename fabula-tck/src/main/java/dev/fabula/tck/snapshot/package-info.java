/** The conformance suite for snapshot stores. */
@NullMarked
package dev.fabula.tck.snapshot;

import org.jspecify.annotations.NullMarked;
