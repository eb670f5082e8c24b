package dev.fabula.bench;

import org.openjdk.jmh.annotations.Param;

/**
 * For workloads that send commands to existing aggregates: runs each of them twice, with the
 * side's aggregate cache off (every command loads the aggregate from the store) and on (each
 * side's recommended in-memory cache: Fabula's {@code Repository.Builder.cache}, Axon's
 * {@code WeakReferenceCache}), so that both the cost of a load and the cost of the write alone
 * are measured.
 */
public abstract class CommandState extends SideState {

    /** Whether the side caches aggregates between commands: {@code off} or {@code on}. */
    @Param({"off", "on"})
    public String cache;

    @Override
    protected boolean cached() {
        return switch (cache) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("cache must be on or off, got " + cache);
        };
    }
}
