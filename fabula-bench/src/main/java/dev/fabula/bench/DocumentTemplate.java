package dev.fabula.bench;

import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.bson.BsonBinary;
import org.bson.BsonBinaryReader;
import org.bson.BsonBinarySubType;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonType;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * A document Fabula's store wrote ({@link BenchMongo#capture}), as a template of bytes for the
 * raw side: {@link #document} copies the bytes and writes into the copy a new sequence number
 * ({@code _id}), new event ids, another aggregate id and, for a batch starting at another
 * version, its versions. Everything else (names, times, payloads, field order, sizes) stays byte
 * for byte what Fabula wrote, so both sides insert documents of the same shape and size.
 *
 * <p>The places to patch are found by walking the document's BSON and matching the captured
 * events' values (their ids, their aggregate's id as binary and inside the aggregate keys, their
 * versions), not by field names: a change of Fabula's layout that moves them still works, and one
 * that this cannot follow fails here, at set-up, with a message.
 */
final class DocumentTemplate {

    private final byte[] bytes;
    private final int events;
    /** Offset of {@code _id}'s int64. */
    private final int seqAt;
    /** Offset of each event's id (16 bytes, binary subtype 4). */
    private final int[] idAt;
    /** Offsets of the aggregate id as binary (16 bytes). */
    private final int[] aggregateBinaryAt;
    /** Offsets of the aggregate id as text (36 bytes), inside the aggregate keys. */
    private final int[] aggregateTextAt;
    /** Per event, the offset of the 10 version digits that end its aggregate key. */
    private final int[] keyVersionAt;
    /** Per event, the offset of its version (int32). */
    private final int[] versionAt;
    private final int firstVersion;

    private DocumentTemplate(byte[] bytes, int events, int seqAt, int[] idAt, int[] aggregateBinaryAt,
                             int[] aggregateTextAt, int[] keyVersionAt, int[] versionAt, int firstVersion) {
        this.bytes = bytes;
        this.events = events;
        this.seqAt = seqAt;
        this.idAt = idAt;
        this.aggregateBinaryAt = aggregateBinaryAt;
        this.aggregateTextAt = aggregateTextAt;
        this.keyVersionAt = keyVersionAt;
        this.versionAt = versionAt;
        this.firstVersion = firstVersion;
    }

    /** One scalar of a document: its path, its BSON type, where its bytes start, its value. */
    private record Leaf(String path, BsonType type, int at, BsonValue value) {
    }

    /**
     * The template of a captured document.
     *
     * @param captured what Fabula's store wrote for one batch of one aggregate, with the events
     * @return the template
     * @throws IllegalStateException when the document does not hold the events the way this
     *                               class can patch (the message says what is missing)
     */
    static DocumentTemplate of(BenchMongo.Captured captured) {
        RawBsonDocument doc = captured.bytes();
        ByteBuffer buffer = doc.getByteBuffer().asNIO();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        List<Leaf> leaves = leaves(bytes);
        List<Event<?>> events = captured.events();
        AggregateRef ref = events.get(0).aggregateOrNull();
        if (ref == null) {
            throw new IllegalStateException("the captured events have no aggregate");
        }
        int seqAt = -1;
        int[] idAt = new int[events.size()];
        Arrays.fill(idAt, -1);
        List<Integer> aggregateBinary = new ArrayList<>();
        List<String> aggregatePaths = new ArrayList<>();
        List<Integer> aggregateText = new ArrayList<>();
        int[] keyVersionAt = new int[events.size()];
        Arrays.fill(keyVersionAt, -1);
        int[] versionAt = new int[events.size()];
        Arrays.fill(versionAt, -1);
        String aggregateText36 = ref.id().toString();
        for (Leaf leaf : leaves) {
            if (leaf.path().equals("_id")) {
                if (leaf.type() != BsonType.INT64) {
                    throw new IllegalStateException("the captured document's _id is " + leaf.value() + ", not an int64");
                }
                seqAt = leaf.at();
            } else if (leaf.type() == BsonType.BINARY) {
                UUID uuid = uuid(leaf.value().asBinary());
                int data = leaf.at() + 5; // int32 length, subtype
                if (uuid == null) {
                    continue;
                }
                if (uuid.equals(ref.id())) {
                    aggregateBinary.add(data);
                    aggregatePaths.add(leaf.path());
                }
                for (int i = 0; i < events.size(); i++) {
                    if (uuid.equals(events.get(i).id())) {
                        idAt[i] = data;
                    }
                }
            } else if (leaf.type() == BsonType.STRING) {
                String s = leaf.value().asString().getValue();
                int text = s.indexOf(aggregateText36);
                if (text < 0) {
                    continue;
                }
                int chars = leaf.at() + 4; // int32 length
                aggregateText.add(chars + s.substring(0, text).getBytes(StandardCharsets.UTF_8).length);
                int length = s.getBytes(StandardCharsets.UTF_8).length;
                String digits = s.substring(s.length() - 10);
                for (int i = 0; i < events.size(); i++) {
                    if (digits.equals(pad(events.get(i).aggregateOrNull().version()))) {
                        keyVersionAt[i] = chars + length - 10;
                    }
                }
            } else if (leaf.type() == BsonType.INT32) {
                // An event's version: an int32 equal to it in the sub-document that holds the
                // event's aggregate id (the i-th aggregate id found belongs to the i-th event).
                int i = aggregateBinary.size() - 1;
                if (i >= 0 && i < events.size() && versionAt[i] < 0
                        && parent(leaf.path()).equals(parent(aggregatePaths.get(i)))
                        && leaf.value().asInt32().getValue() == events.get(i).aggregateOrNull().version()) {
                    versionAt[i] = leaf.at();
                }
            }
        }
        require(seqAt >= 0, "no int64 _id");
        for (int i = 0; i < events.size(); i++) {
            require(idAt[i] >= 0, "event " + i + "'s id " + events.get(i).id() + " is not stored as a binary UUID");
            require(keyVersionAt[i] >= 0, "event " + i + "'s aggregate key is not a string ending in its version");
            require(versionAt[i] >= 0, "event " + i + "'s version is not an int32 beside its aggregate id");
        }
        require(aggregateBinary.size() == events.size(), "the aggregate id is stored " + aggregateBinary.size()
                + " times as binary, not once per event");
        require(aggregateText.size() == events.size(), "the aggregate id is in " + aggregateText.size()
                + " strings, not in one key per event");
        return new DocumentTemplate(bytes, events.size(), seqAt, idAt, ints(aggregateBinary), ints(aggregateText),
                keyVersionAt, versionAt, ref.version());
    }

    /**
     * The captured document for another batch: a copy of its bytes with {@code seq} as {@code
     * _id}, fresh random event ids, {@code aggregate} as the aggregate and versions from {@code
     * version} on.
     *
     * @param seq       the document's {@code _id}
     * @param aggregate the aggregate id
     * @param version   the first event's version
     * @param ids       receives the new event ids (as many as the template has events)
     * @return the new document
     */
    RawBsonDocument document(long seq, UUID aggregate, int version, UUID[] ids) {
        byte[] copy = bytes.clone();
        ByteBuffer out = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(seqAt, seq);
        for (int at : aggregateBinaryAt) {
            putUuid(out, at, aggregate);
        }
        byte[] text = aggregate.toString().getBytes(StandardCharsets.US_ASCII);
        for (int at : aggregateTextAt) {
            System.arraycopy(text, 0, copy, at, text.length);
        }
        for (int i = 0; i < events; i++) {
            UUID id = randomId();
            ids[i] = id;
            putUuid(out, idAt[i], id);
            if (version != firstVersion) {
                int v = version + i;
                out.putInt(versionAt[i], v);
                byte[] digits = pad(v).getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(digits, 0, copy, keyVersionAt[i], digits.length);
            }
        }
        return new RawBsonDocument(copy);
    }

    /**
     * A random (version 4) UUID from the thread's fast generator: the raw side's event and product
     * ids (Fabula makes time-ordered UUIDv7 ids, also without a secure generator).
     *
     * @return the id
     */
    static UUID randomId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /** How many events the document holds. */
    int events() {
        return events;
    }

    /** Whether any binary UUID in {@code doc} is {@code id}. */
    static boolean holds(RawBsonDocument doc, UUID id) {
        ByteBuffer buffer = doc.getByteBuffer().asNIO();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return leaves(bytes).stream()
                .anyMatch(l -> l.type() == BsonType.BINARY && id.equals(uuid(l.value().asBinary())));
    }

    private static void putUuid(ByteBuffer out, int at, UUID id) {
        ByteBuffer big = out.duplicate().order(ByteOrder.BIG_ENDIAN);
        big.putLong(at, id.getMostSignificantBits());
        big.putLong(at + 8, id.getLeastSignificantBits());
    }

    private static UUID uuid(BsonBinary binary) {
        if (binary.getType() != BsonBinarySubType.UUID_STANDARD.getValue() || binary.getData().length != 16) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(binary.getData());
        return new UUID(b.getLong(), b.getLong());
    }

    /** A version as the ten digits that end an aggregate key. */
    static String pad(int version) {
        String digits = Integer.toString(version);
        return "0".repeat(Math.max(0, 10 - digits.length())) + digits;
    }

    private static String parent(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(0, dot + 1);
    }

    private static int[] ints(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("cannot use the document Fabula's store wrote as the raw side's"
                    + " template: " + what + " (fabula-bench's DocumentTemplate must follow the store's layout)");
        }
    }

    /** Every scalar of the document, with where its value starts. */
    private static List<Leaf> leaves(byte[] bytes) {
        List<Leaf> leaves = new ArrayList<>();
        try (BsonBinaryReader reader = new BsonBinaryReader(ByteBuffer.wrap(bytes))) {
            reader.readStartDocument();
            walk(reader, "", false, leaves);
            reader.readEndDocument();
        }
        return leaves;
    }

    private static void walk(BsonBinaryReader reader, String prefix, boolean array, List<Leaf> leaves) {
        int index = 0;
        while (reader.readBsonType() != BsonType.END_OF_DOCUMENT) {
            String path = prefix + (array ? Integer.toString(index++) : reader.readName());
            int at = reader.getBsonInput().getPosition();
            BsonType type = reader.getCurrentBsonType();
            switch (type) {
                case DOCUMENT -> {
                    reader.readStartDocument();
                    walk(reader, path + ".", false, leaves);
                    reader.readEndDocument();
                }
                case ARRAY -> {
                    reader.readStartArray();
                    walk(reader, path + ".", true, leaves);
                    reader.readEndArray();
                }
                case BINARY -> leaves.add(new Leaf(path, type, at, reader.readBinaryData()));
                case STRING -> leaves.add(new Leaf(path, type, at, new BsonString(reader.readString())));
                case INT32 -> leaves.add(new Leaf(path, type, at, new BsonInt32(reader.readInt32())));
                case INT64 -> leaves.add(new Leaf(path, type, at, new BsonInt64(reader.readInt64())));
                default -> reader.skipValue();
            }
        }
    }
}
