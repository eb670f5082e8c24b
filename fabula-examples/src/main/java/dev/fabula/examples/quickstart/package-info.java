/** The README's quick start, compiled and run as it is printed there. */
@NullMarked
package dev.fabula.examples.quickstart;

import org.jspecify.annotations.NullMarked;
