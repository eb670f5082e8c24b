package dev.fabula.codec;

import java.util.Map;
import java.util.Objects;

/**
 * Codecs that read payloads as {@link RawPayload}s, for tools that hold a store but not the
 * application's types: a command-line export, a console for names it does not know (ADR 0024).
 *
 * <p>Security: a raw codec never instantiates a type, neither from the registry nor from the data;
 * it keeps JSON text and a revision. Under {@link #rawFallback(Codec)}, registered names are still
 * decoded by the wrapped codec into their registered types only.
 */
public final class Codecs {
  private static final CodecRegistry EMPTY = CodecRegistry.builder().build();

  private Codecs() {}

  /**
   * A codec that decodes every name, registered or not, to a {@link RawPayload} of the stored
   * bytes and revision, and encodes only {@link RawPayload}s, verbatim at their own revision. It
   * does not upcast: what it reads is exactly what is stored. Its registry is empty.
   */
  public static Codec raw() {
    return Raw.INSTANCE;
  }

  /**
   * A codec that decodes registered names with {@code codec} and every other name to a {@link
   * RawPayload}; it encodes a {@link RawPayload} verbatim at its own revision under any name, and
   * other data with {@code codec}. Its registry is {@code codec}'s, event upcasters included.
   * Given a codec this method or {@link #raw()} made, it returns that codec.
   */
  public static Codec rawFallback(Codec codec) {
    Objects.requireNonNull(codec, "codec");
    return codec instanceof Fallback || codec instanceof Raw ? codec : new Fallback(codec);
  }

  private static byte[] verbatim(String name, Object data) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(data, "data");
    if (data instanceof RawPayload raw) {
      return raw.bytes();
    }
    throw new PayloadException(
        name, "a raw codec writes only RawPayload data, not " + data.getClass().getName());
  }

  private static RawPayload read(String name, int revision, byte[] bytes) {
    Objects.requireNonNull(name, "name");
    try {
      return RawPayload.of(revision, bytes);
    } catch (IllegalArgumentException e) {
      throw new PayloadException(name, e.getMessage(), e);
    }
  }

  private enum Raw implements Codec {
    INSTANCE;

    @Override
    public CodecRegistry registry() {
      return EMPTY;
    }

    @Override
    public int revision(String name, Object data) {
      verbatim(name, data);
      return ((RawPayload) data).revision();
    }

    @Override
    public byte[] encode(String name, Object data) {
      return verbatim(name, data);
    }

    @Override
    public Object decode(String name, int revision, byte[] bytes) {
      return read(name, revision, bytes);
    }

    /** Without a stored revision (the registry knows none for any name), revision 1. */
    @Override
    public Object decode(String name, byte[] bytes) {
      return read(name, 1, bytes);
    }
  }

  private record Fallback(Codec codec) implements Codec {
    @Override
    public CodecRegistry registry() {
      return codec.registry();
    }

    @Override
    public int revision(String name, Object data) {
      return data instanceof RawPayload raw ? raw.revision() : codec.revision(name, data);
    }

    @Override
    public byte[] encode(String name, Object data) {
      return data instanceof RawPayload raw ? raw.bytes() : codec.encode(name, data);
    }

    @Override
    public Object decode(String name, int revision, byte[] bytes) {
      return codec.registry().contains(name) ? codec.decode(name, revision, bytes) : read(name, revision, bytes);
    }

    @Override
    public Object decode(String name, byte[] bytes) {
      return codec.registry().contains(name) ? codec.decode(name, bytes) : read(name, 1, bytes);
    }

    @Override
    public Map<String, Object> readTree(String name, byte[] bytes) {
      return codec.readTree(name, bytes);
    }

    @Override
    public Object fromTree(String name, Map<String, Object> tree) {
      return codec.fromTree(name, tree);
    }
  }
}
