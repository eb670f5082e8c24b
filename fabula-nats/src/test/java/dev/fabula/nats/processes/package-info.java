/**
 * The {@code main} classes of the child JVMs that the cross-process tests start ({@code
 * dev.fabula.nats.CrossProcess*Test}). Each child gets what it needs (server URL, subject prefix,
 * stream, ...) as arguments, reports what it did in lines on its standard output ({@link
 * dev.fabula.nats.processes.Child#report}), and ends when its standard input ends, so that none
 * outlives the test JVM. The classes are public only because the {@code java} launcher starts
 * public main classes; they run on the class path (see {@code JvmProcess}).
 */
@NullMarked
package dev.fabula.nats.processes;

import org.jspecify.annotations.NullMarked;
