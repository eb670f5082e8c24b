/**
 * The {@code main} classes of the child JVMs that the cross-process tests start ({@code
 * dev.fabula.nats.CrossProcess*Test}). Each child gets what it needs (server URL, subject prefix,
 * stream, ...) as arguments, reports what it did in lines on its standard output ({@link
 * dev.fabula.nats.processes.Child#report}), and ends when its standard input ends, so that none
 * outlives the test JVM.
 */
@NullMarked
package dev.fabula.nats.processes;

import org.jspecify.annotations.NullMarked;
