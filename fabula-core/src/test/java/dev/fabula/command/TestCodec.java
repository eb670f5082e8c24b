package dev.fabula.command;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.codec.PayloadException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A codec for core's tests, which cannot use {@code fabula-jackson} (it depends on core): checks
 * names and types like a real codec, and "encodes" a payload as a ticket to the object it keeps.
 * Decoding checks the ticket's payload against the registered type again.
 */
public final class TestCodec implements Codec {
  private final CodecRegistry registry;
  private final AtomicLong tickets = new AtomicLong();
  private final Map<Long, Object> kept = new ConcurrentHashMap<>();

  /** A codec for {@code registry}. */
  public TestCodec(CodecRegistry registry) {
    this.registry = registry;
  }

  @Override
  public CodecRegistry registry() {
    return registry;
  }

  @Override
  public byte[] encode(String name, Object data) {
    registry.checkEncodable(name, data);
    long ticket = tickets.incrementAndGet();
    kept.put(ticket, data);
    return ByteBuffer.allocate(Long.BYTES).putLong(ticket).array();
  }

  @Override
  public Object decode(String name, int revision, byte[] bytes) {
    Class<?> type = registry.type(name);
    if (bytes.length != Long.BYTES) {
      throw new PayloadException(name, "not a ticket");
    }
    Object data = kept.get(ByteBuffer.wrap(bytes).getLong());
    if (data == null || !type.isInstance(data)) {
      throw new PayloadException(name, "ticket does not hold a " + type.getName());
    }
    return data;
  }
}
