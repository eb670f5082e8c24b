/**
 * The conformance kit: abstract JUnit 5 suites that every Fabula backend extends to prove it keeps
 * the promises of the interfaces it implements. Extend a suite, implement its factory method, pass
 * the backend's capabilities to the suite's constructor where it has any, and run it; a backend is
 * conformant when every inherited test passes, none skipped.
 *
 * <p>What the kit enforces, and no more: set-up and tear-down are final, the backend under test is
 * reached through a final accessor, and the tests are package-private, so a backend's test class
 * (in a package of its own) cannot replace a step or override a test; the sizes a backend may
 * lower have floors ({@code EventStoreConformance.Capabilities} refuses fewer than 4 torture
 * writers, 20 batches per writer or a large result of 1,000 events); and the kit's own tests run
 * every suite against backends that do nothing and against subtly broken ones, requiring every
 * test to catch the first and named tests to catch each of the others. A backend can still leave
 * a suite out, run it with a filter, or put its test class in a suite's own package on the class
 * path: conformance means every inherited test ran and passed.
 *
 * <p>Needs JUnit Jupiter 5.11 or later: older versions let a package-private method of the same
 * signature in a subclass of another package shadow the kit's test, so a backend could replace a
 * test without overriding it.
 *
 * <p>The suites use core's {@code dev.fabula.spi} (the limits a store enforces, the id generator),
 * which core exports only to Fabula's own modules, this kit among them (ADR 0016). A backend's
 * module-path build (one with its own {@code module-info.java}) runs core as a named module and
 * keeps test dependencies such as the kit on the class path, in the unnamed module: its test JVM
 * then needs {@code --add-exports dev.fabula.core/dev.fabula.spi=ALL-UNNAMED}, or every suite fails
 * with an {@code IllegalAccessError}. On the class path alone nothing is needed.
 */
@NullMarked
package dev.fabula.tck;

import org.jspecify.annotations.NullMarked;
