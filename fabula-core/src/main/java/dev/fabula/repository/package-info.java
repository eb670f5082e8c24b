/**
 * The {@link dev.fabula.repository.Repository}: save, fetch, fetch a version, {@code use} with
 * retry on conflicts, query histories, delete; with optional snapshots.
 */
@NullMarked
package dev.fabula.repository;

import org.jspecify.annotations.NullMarked;
