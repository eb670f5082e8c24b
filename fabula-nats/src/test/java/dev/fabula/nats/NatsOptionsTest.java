package dev.fabula.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The options keep what they are given, refuse a setting made twice, and check names early. */
class NatsOptionsTest {
  @Test
  void defaultsAreALocalServerAndAFileStream() {
    NatsOptions o = NatsOptions.defaults();
    assertThat(o.url()).isEqualTo("nats://127.0.0.1:4222");
    assertThat(o.connection()).isEmpty();
    assertThat(o.subjectPrefix()).isEqualTo("fabula.events");
    assertThat(o.stream()).isEqualTo("FABULA_EVENTS");
    assertThat(o.retention()).isEqualTo(RetentionPolicy.Limits);
    assertThat(o.storage()).isEqualTo(StorageType.File);
    assertThat(o.replicas()).isEqualTo(1);
    assertThat(o.publishTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void keepsWhatItIsGiven() {
    NatsOptions o = NatsOptions.builder().url("nats://h:1").connectTimeout(Duration.ofSeconds(1))
        .subjectPrefix("a.b").stream("S").retention(RetentionPolicy.Interest).replicas(3)
        .storage(StorageType.Memory).duplicateWindow(Duration.ofSeconds(9))
        .publishTimeout(Duration.ofMillis(700)).build();
    assertThat(o.url()).isEqualTo("nats://h:1");
    assertThat(o.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(o.subjectPrefix()).isEqualTo("a.b");
    assertThat(o.stream()).isEqualTo("S");
    assertThat(o.retention()).isEqualTo(RetentionPolicy.Interest);
    assertThat(o.replicas()).isEqualTo(3);
    assertThat(o.storage()).isEqualTo(StorageType.Memory);
    assertThat(o.duplicateWindow()).isEqualTo(Duration.ofSeconds(9));
    assertThat(o.publishTimeout()).isEqualTo(Duration.ofMillis(700));
  }

  @Test
  void refusesASettingMadeTwice() {
    assertThatThrownBy(() -> NatsOptions.builder().subjectPrefix("a").subjectPrefix("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("subjectPrefix(\"a\")")
        .hasMessageContaining("subjectPrefix(\"b\")");
    assertThatThrownBy(() -> NatsOptions.builder().publishTimeout(Duration.ofSeconds(1))
            .publishTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void refusesNamesThatWouldBreakSubjects() {
    assertThatThrownBy(() -> NatsOptions.builder().subjectPrefix("a.*"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NatsOptions.builder().stream("A.B"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NatsOptions.builder().replicas(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NatsOptions.builder().connectTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
