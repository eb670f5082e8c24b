package dev.fabula.jackson;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.codec.CodecRegistry;
import dev.fabula.command.CommandBuses;
import dev.fabula.spi.CommandProtocol;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A networked event bus encodes the distributed command bus's records with the application's
 * codec: the names {@link CommandBuses#registerProtocol} registers round-trip through Jackson. On
 * the module path (where these tests run) that works only because core opens {@code
 * dev.fabula.spi} to Jackson (ADR 0016).
 */
class ProtocolRecordsTest {
  private final JacksonCodec codec =
      JacksonCodec.create(CommandBuses.registerProtocol(CodecRegistry.builder()).build());

  private static final UUID COMMAND = UUID.fromString("01890000-0000-7000-8000-000000000001");
  private static final UUID DISPATCH = UUID.fromString("01890000-0000-7000-8000-000000000003");

  @Test
  void theDispatchedCommandRoundTrips() {
    byte[] payload = "{\"name\":\"Mouse\"}".getBytes(StandardCharsets.UTF_8);
    UUID aggregate = UUID.fromString("01890000-0000-7000-8000-000000000002");
    var dispatched =
        new CommandProtocol.Dispatched(
            COMMAND, DISPATCH, "product.create", "product", aggregate, 2, payload, 500, 1, "bus-a");

    var back = (CommandProtocol.Dispatched) roundTrip(CommandProtocol.DISPATCHED, dispatched);

    assertThat(back.payload()).isEqualTo(payload);
    // A record compares arrays by identity: put the original payload back to compare the rest.
    assertThat(new CommandProtocol.Dispatched(back.commandId(), back.dispatchId(), back.name(), back.aggregateName(),
            back.aggregateId(), back.payloadRevision(), payload, back.assignTimeoutMillis(),
            back.attempt(), back.preferredBus()))
        .isEqualTo(dispatched);
  }

  @Test
  void theOtherProtocolRecordsRoundTrip() {
    var records =
        Map.of(
            CommandProtocol.REQUESTED, new CommandProtocol.Requested(COMMAND, DISPATCH, "bus-b", 1),
            CommandProtocol.ASSIGNED, new CommandProtocol.Assigned(COMMAND, DISPATCH, "bus-b", 1),
            CommandProtocol.ACCEPTED, new CommandProtocol.Accepted(COMMAND, DISPATCH, "bus-b", null, null),
            CommandProtocol.EXECUTED,
            new CommandProtocol.Executed(
                COMMAND, DISPATCH, "bus-b", 1234, "product.rule-broken", "no", Map.of("price", "-1")),
            CommandProtocol.RELEASED, new CommandProtocol.Released(COMMAND, DISPATCH, "bus-b", 2));
    assertThat(records.keySet())
        .containsExactlyInAnyOrderElementsOf(
            List.of("fabula.command.requested", "fabula.command.assigned",
                "fabula.command.accepted", "fabula.command.executed", "fabula.command.released"));
    records.forEach((name, data) -> assertThat(roundTrip(name, data)).as(name).isEqualTo(data));
  }

  @Test
  void runsInItsModuleWhenTestedOnTheModulePath() {
    // So the tests above go through core's descriptor: dev.fabula.spi opened to Jackson.
    assertThat(getClass().getModule().getName()).isEqualTo("dev.fabula.jackson");
    assertThat(CommandProtocol.class.getModule().getName()).isEqualTo("dev.fabula.core");
  }

  private Object roundTrip(String name, Object data) {
    return codec.decode(name, codec.encode(name, data));
  }
}
