/**
 * Backend SPI: what repositories and backends need that application code should not see. Not a
 * stable API.
 */
@NullMarked
package dev.fabula.internal;

import org.jspecify.annotations.NullMarked;
