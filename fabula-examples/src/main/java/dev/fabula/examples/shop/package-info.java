/**
 * The shop example: a {@link dev.fabula.examples.shop.Product} aggregate and two runnable demos, in
 * one JVM ({@link dev.fabula.examples.shop.ShopExample}) and in three processes over NATS and
 * PostgreSQL ({@link dev.fabula.examples.shop.ShopProcesses}).
 */
@NullMarked
package dev.fabula.examples.shop;

import org.jspecify.annotations.NullMarked;
