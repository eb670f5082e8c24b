/**
 * The {@code fabula} command-line tool (ADR 0024, docs/CLI.md): projections, triggers and live
 * tailing over a running application's console API, and export, import and reading of streams
 * straight from a store URL, through the raw codec.
 */
@NullMarked
package dev.fabula.cli;

import org.jspecify.annotations.NullMarked;
