package dev.fabula.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.event.Event;
import dev.fabula.event.EventStore;
import dev.fabula.tck.TckData;
import java.util.List;
import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;

/** Old-shape documents stay as written: event upcasters change what reads return, never the collection (ADR 0021). */
class MongoUpcastingTest {
  @Test
  void aLegacyEventIsStoredUnderItsOldNameAndShapeAndReadAsItsNewOne() {
    MongoOptions options = TestMongo.freshOptions().build();
    try (EventStore store = MongoDb.eventStore(TestMongo.client(), MongoEventStoreTest.codec(), options)) {
      Event<?> old = Event.create(TckData.ALPHA_V0, new TckData.AlphaV0("kept"));
      store.insert(List.of(old));
      Event<?> read = store.find(old.id()).orElseThrow();
      assertThat(read.name()).isEqualTo(TckData.ALPHA);
      assertThat(read.data()).isEqualTo(new TckData.Alpha("kept"));

      BsonDocument doc = TestMongo.client().getDatabase(options.database())
          .getCollection(options.eventsCollection(), BsonDocument.class).find().first();
      assertThat(doc).isNotNull();
      BsonDocument stored = doc.getArray(EventLayout.EVENTS).get(0).asDocument();
      assertThat(stored.getString(EventLayout.NAME).getValue()).isEqualTo(TckData.ALPHA_V0);
      assertThat(stored.getString(EventLayout.DATA).getValue()).contains("\"label\"").doesNotContain("\"text\"");
    }
  }
}
