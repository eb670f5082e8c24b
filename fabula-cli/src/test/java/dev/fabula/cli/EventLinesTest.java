package dev.fabula.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.fabula.codec.RawPayload;
import dev.fabula.event.Event;
import dev.fabula.event.Metadata;
import java.io.StringWriter;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The export line format: written and read back exactly, payload text untouched. */
class EventLinesTest {
  private final EventLines lines = new EventLines();

  @Test
  void aLineReadsBackAsTheEventWithThePayloadTextAsItWas() {
    String payload = "{\"big\": " + "9".repeat(2000) + ".50, \"s\": \"a\\nb \\u00e9\", \"deep\": [[[{}]]], \"z\": 1, \"a\": 2}";
    Event<?> e = Event.of(UUID.randomUUID(), "x.y", Instant.parse("2026-12-06T01:02:03.123456789Z"), new RawPayload(5, payload),
            null, Metadata.of("k", "v\n\"q\""), 17);
    String line = lines.write(e);
    assertThat(line).doesNotContain("\n").startsWith("{\"position\":17,");
    Event<RawPayload> back = lines.read(line, 1);
    assertThat(back.data()).isEqualTo(new RawPayload(5, payload));
    assertThat(back.withPosition(17)).isEqualTo(e);
  }

  @Test
  void lineBreaksBetweenPayloadTokensBecomeSpaces() {
    Event<?> e = Event.create("x", new RawPayload(1, "{\n  \"a\": 1\r\n}")).withAggregate("cart", UUID.randomUUID(), 3);
    String line = lines.write(e);
    assertThat(line).doesNotContain("\n").doesNotContain("\r").contains("\"payload\":{   \"a\": 1  }}");
    assertThat(lines.read(line, 1).aggregateOrNull()).isEqualTo(e.aggregateOrNull());
  }

  @Test
  void aMalformedLineNamesItsNumberAndWhatIsWrong() {
    String ok = lines.write(Event.create("x", new RawPayload(1, "{}")));
    assertThatThrownBy(() -> lines.read(ok.replace("\"payload\":{}", "\"payload\":null"), 4))
        .isInstanceOfSatisfying(CliException.class, c -> assertThat(c.exitCode()).isEqualTo(Exit.USAGE))
        .hasMessageContaining("line 4 of the input").hasMessageContaining("not JSON null");
    assertThatThrownBy(() -> lines.read(ok.replace("\"revision\":1", "\"revision\":0"), 5)).hasMessageContaining("at least 1");
    assertThatThrownBy(() -> lines.read(ok.replace("\"name\"", "\"nom\""), 6)).hasMessageContaining("unknown field 'nom'");
    assertThatThrownBy(() -> lines.read(ok + " {}", 7)).hasMessageContaining("line 7");
    assertThatThrownBy(() -> lines.read("[1]", 8)).hasMessageContaining("line 8 of the input is not a JSON object");
    assertThatThrownBy(() -> lines.read(ok.replaceFirst("\"time\":\"[^\"]*\"", "\"time\":\"yesterday\""), 9))
        .hasMessageContaining("line 9");
  }

  @Test
  void linesWrittenOneAfterAnotherToAGeneratorAreEachEventsLineAndALineBreak() throws Exception {
    Event<?> first = Event.of(UUID.randomUUID(), "x.y", Instant.parse("2026-12-06T01:02:03.123456789Z"),
        new RawPayload(2, "{\n\"a\": [1, 2]}"), null, Metadata.of("k", "v"), 3);
    Event<?> second = Event.create("x", new RawPayload(1, "\"text\"")).withAggregate("cart", UUID.randomUUID(), 4);
    var out = new StringWriter();
    try (JsonGenerator g = lines.lines(out)) {
      lines.writeLine(first, g);
      lines.writeLine(second, g);
    }
    assertThat(out).hasToString(lines.write(first) + "\n" + lines.write(second) + "\n");
  }
}
