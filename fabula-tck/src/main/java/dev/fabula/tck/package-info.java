/**
 * The conformance kit: abstract JUnit 5 suites that every Fabula backend extends to prove it keeps
 * the promises of the interfaces it implements. Extend a suite, implement its factory method, pass
 * the backend's capabilities to the suite's constructor where it has any, and run it; a backend is
 * conformant when every inherited test passes, none skipped.
 *
 * <p>The suites own their lifecycle: set-up and tear-down are final, the backend under test is
 * reached through a final accessor, and the tests are out of reach of a backend's package, so a
 * backend can neither skip a step nor weaken a check. The kit's own tests run every suite against
 * backends that do nothing and against subtly broken ones, and require every test to catch the
 * first and named tests to catch each of the others.
 */
@NullMarked
package dev.fabula.tck;

import org.jspecify.annotations.NullMarked;
