/**
 * The conformance kit: abstract JUnit 5 suites that every Fabula backend extends to prove it keeps
 * the promises of the interfaces it implements. Extend a suite, implement its factory method, and
 * run it; a backend is conformant when every inherited test passes, none skipped.
 */
@NullMarked
package dev.fabula.tck;

import org.jspecify.annotations.NullMarked;
