/**
 * Aggregate SPI: what repositories need from an aggregate that application code should not see. Not a
 * stable API.
 */
@NullMarked
package dev.fabula.aggregate.internal;

import org.jspecify.annotations.NullMarked;
