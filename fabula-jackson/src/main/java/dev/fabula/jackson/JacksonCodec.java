package dev.fabula.jackson;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerationException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.codec.PayloadException;
import dev.fabula.spi.EventLimits;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON {@link Codec}, on Jackson. Decodes each payload into exactly the type registered for
 * its name: no class names are written to or read from the JSON, and polymorphic default typing is
 * never enabled.
 *
 * <p>The default mapper is strict, so a payload that no longer fits its type is an error rather
 * than a half-filled object: unknown properties, missing constructor properties (record
 * components), nulls for primitives and trailing tokens all fail with a {@link PayloadException}.
 * Evolve payloads with upcasters ({@link CodecRegistry.Builder#upcaster}) instead. Times are
 * written as ISO-8601 strings with full nanosecond precision.
 */
public final class JacksonCodec implements Codec {
  private static final TypeReference<Map<String, Object>> TREE = new TypeReference<>() {};

  private final CodecRegistry registry;
  private final ObjectMapper mapper;

  /**
   * What decoding a registered name takes, looked up once per name: its current revision, its
   * type, and a reader for that type. {@code mapper.readValue(bytes, type)} resolves the type
   * through the TypeFactory and looks up its root deserializer on every call, which profiled at
   * about a quarter of the client time of a PostgreSQL replay; a reader holds both. One lookup
   * here replaces the registry's two and the reader's one for every decoded event. Only
   * registered names get an entry, so the map is as small as the registry. Readers are immutable
   * and take the mapper's configuration when made, so configure a mapper before handing it to
   * {@link #create(CodecRegistry, ObjectMapper)} (as Jackson advises anyway).
   */
  private final Map<String, Decoding> decodings = new ConcurrentHashMap<>();

  private record Decoding(int revision, Class<?> type, ObjectReader reader) {}

  private JacksonCodec(CodecRegistry registry, ObjectMapper mapper) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.mapper = Objects.requireNonNull(mapper, "mapper");
  }

  /** A codec for {@code registry} with Fabula's strict default mapper. */
  public static JacksonCodec create(CodecRegistry registry) {
    return new JacksonCodec(registry, defaultMapper());
  }

  /**
   * A codec for {@code registry} with your own mapper. Keep polymorphic default typing off: with
   * it, stored data could name classes to instantiate.
   */
  public static JacksonCodec create(CodecRegistry registry, ObjectMapper mapper) {
    return new JacksonCodec(registry, mapper);
  }

  /**
   * The most digits a number may have before its decimal point: what PostgreSQL's {@code numeric}
   * (and so {@code jsonb}) holds.
   */
  static final int MAX_INTEGER_DIGITS = 131_072;

  /** The most digits a number may have after its decimal point, as PostgreSQL's {@code numeric}. */
  static final int MAX_FRACTION_DIGITS = 16_383;

  /**
   * The longest number the default mapper reads, in characters: the longest a number that fits
   * {@link #MAX_INTEGER_DIGITS} and {@link #MAX_FRACTION_DIGITS} prints as (sign, digits, point),
   * which is how PostgreSQL returns any number it stored, exponents spelt out.
   */
  static final int MAX_NUMBER_LENGTH = 1 + MAX_INTEGER_DIGITS + 1 + MAX_FRACTION_DIGITS;

  /**
   * A new instance of the strict mapper {@link #create(CodecRegistry)} uses.
   *
   * <p>It reads back whatever an event store accepts: stores refuse an encoded payload of more than
   * 16 MiB ({@link EventLimits#MAX_PAYLOAD_BYTES}), and this mapper reads strings and property
   * names of up to that length (Jackson's defaults stop at 20 million characters and 50,000), and
   * nests as deep as it writes. Numbers are kept within what PostgreSQL's {@code numeric} holds
   * (131,072 digits before the point, 16,383 after):
   * it refuses to write a {@code BigDecimal} or {@code BigInteger} beyond that (a {@link
   * PayloadException}; PostgreSQL would refuse it anyway), and reads numbers of up to 147,457
   * characters, the longest such a number prints as, rather than any length
   * (parsing a long number takes time that grows faster than its length). Property names are not
   * interned, so long names in stored data do not fill the JVM's string table. A mapper of your
   * own must read back what it writes, or events it wrote may never be read.
   */
  public static ObjectMapper defaultMapper() {
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxStringLength(EventLimits.MAX_PAYLOAD_BYTES)
            .maxNameLength(EventLimits.MAX_PAYLOAD_BYTES)
            .maxNumberLength(MAX_NUMBER_LENGTH)
            .maxNestingDepth(StreamWriteConstraints.defaults().getMaxNestingDepth())
            .maxDocumentLength(-1)
            .build())
        .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
        .build();
    SimpleModule numbers = new SimpleModule("fabula-numbers");
    numbers.addSerializer(BigDecimal.class, new DecimalWriter());
    numbers.addSerializer(BigInteger.class, new IntegerWriter());
    return JsonMapper.builder(factory)
        .addModule(new JavaTimeModule())
        .addModule(new Jdk8Module())
        .addModule(numbers)
        .enable(MapperFeature.BLOCK_UNSAFE_POLYMORPHIC_BASE_TYPES)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .build();
  }

  /** Writes a {@code BigDecimal} that PostgreSQL's {@code numeric} holds, refuses any other. */
  private static final class DecimalWriter extends StdSerializer<BigDecimal> {
    private static final long serialVersionUID = 1L;

    DecimalWriter() {
      super(BigDecimal.class);
    }

    @Override
    public void serialize(BigDecimal value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      checkNumber(value, gen);
      gen.writeNumber(value);
    }
  }

  /** Writes a {@code BigInteger} that PostgreSQL's {@code numeric} holds, refuses any other. */
  private static final class IntegerWriter extends StdSerializer<BigInteger> {
    private static final long serialVersionUID = 1L;

    IntegerWriter() {
      super(BigInteger.class);
    }

    @Override
    public void serialize(BigInteger value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      // Cheap first: a number of at most this many bits has fewer digits than the limit.
      if (value.bitLength() > 435_000) {
        checkNumber(new BigDecimal(value), gen);
      }
      gen.writeNumber(value);
    }
  }

  /** Refuses a number that PostgreSQL's {@code numeric} cannot hold. */
  private static void checkNumber(BigDecimal value, JsonGenerator gen) throws JsonGenerationException {
    long integerDigits = (long) value.precision() - value.scale();
    int fractionDigits = Math.max(0, value.scale());
    if (integerDigits > MAX_INTEGER_DIGITS || fractionDigits > MAX_FRACTION_DIGITS) {
      throw new JsonGenerationException(
          "a number with " + Math.max(0, integerDigits) + " digits before its decimal point and "
              + fractionDigits + " after is more than PostgreSQL's numeric holds (" + MAX_INTEGER_DIGITS
              + " and " + MAX_FRACTION_DIGITS + ")",
          gen);
    }
  }

  @Override
  public CodecRegistry registry() {
    return registry;
  }

  @Override
  public byte[] encode(String name, Object data) {
    registry.checkEncodable(name, data);
    try {
      return mapper.writeValueAsBytes(data);
    } catch (JacksonException e) {
      throw new PayloadException(name, "cannot write JSON: " + e.getOriginalMessage(), e);
    }
  }

  private Decoding decoding(String name) {
    Decoding d = decodings.get(name);
    if (d != null) {
      return d;
    }
    Class<?> type = registry.type(name); // an unknown name fails here, before anything is kept
    return decodings.computeIfAbsent(
        name, n -> new Decoding(registry.revision(n), type, mapper.readerFor(type)));
  }

  @Override
  public Map<String, Object> readTree(String name, byte[] bytes) {
    Objects.requireNonNull(name, "name");
    try {
      Map<String, Object> tree = mapper.readValue(bytes, TREE);
      if (tree == null) {
        throw new PayloadException(name, "the payload is JSON null");
      }
      return tree;
    } catch (JacksonException e) {
      throw new PayloadException(name, e.getOriginalMessage(), e);
    } catch (java.io.IOException e) {
      throw new PayloadException(name, "cannot read JSON: " + e.getMessage(), e);
    }
  }

  @Override
  public Object fromTree(String name, Map<String, Object> tree) {
    Objects.requireNonNull(tree, "tree");
    Decoding d = decoding(name);
    try {
      return mapper.convertValue(tree, d.type());
    } catch (IllegalArgumentException e) { // convertValue wraps its failures
      throw new PayloadException(name, String.valueOf(e.getMessage()), e);
    }
  }

  @Override
  public Object decode(String name, int revision, byte[] bytes) {
    Decoding d = decoding(name);
    try {
      Object value;
      if (revision == d.revision()) {
        value = d.reader().readValue(bytes);
      } else {
        Map<String, Object> tree = mapper.readValue(bytes, TREE);
        value = mapper.convertValue(registry.upcast(name, revision, tree), d.type());
      }
      if (value == null) { // an event's data is never null: a JSON null is no payload of its type
        throw new PayloadException(name, "the payload is JSON null");
      }
      return value;
    } catch (JacksonException e) {
      throw new PayloadException(name, e.getOriginalMessage(), e);
    } catch (IllegalArgumentException e) { // convertValue wraps its failures
      throw new PayloadException(name, String.valueOf(e.getMessage()), e);
    } catch (java.io.IOException e) {
      throw new PayloadException(name, "cannot read JSON: " + e.getMessage(), e);
    }
  }
}
