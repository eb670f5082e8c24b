/**
 * Test support shared through core's test jar: a TCP proxy that breaks connections at chosen
 * points of a protocol, for the backends' lost-connection tests.
 */
@NullMarked
package dev.fabula.proxy;

import org.jspecify.annotations.NullMarked;
