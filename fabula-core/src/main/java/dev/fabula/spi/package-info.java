/**
 * What event store backends share and application code should not use: the input limits every
 * store enforces, in one place so that every backend enforces the same ones. Not a stable API;
 * call the types of {@link dev.fabula.event} instead.
 */
@NullMarked
package dev.fabula.spi;

import org.jspecify.annotations.NullMarked;
