package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Postgres#dataSource} says what really went wrong (no database, nothing listening, a bad
 * URL, a refused login, a server that does not answer) and never prints a password.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionMessagesTest {
  private static final String SECRET = "s3cret-pw";

  /** The test server's URL with another database (and the same parameters). */
  private static String withDatabase(String database) {
    String url = TestDatabase.url();
    int hostStart = "jdbc:postgresql://".length();
    int slash = url.indexOf('/', hostStart);
    int query = url.indexOf('?');
    String params = query < 0 ? "" : url.substring(query);
    return url.substring(0, slash + 1) + database + params;
  }

  @Test
  void aMissingDatabaseIsNamedAsSuchNotAsATimeout() {
    assertThatThrownBy(() -> Postgres.dataSource(withDatabase("fabula_no_such_database")))
        .isInstanceOf(PostgresConnectionException.class)
        .hasMessageStartingWith("The database does not exist")
        .hasMessageContaining("fabula_no_such_database")
        .hasMessageNotContaining("within");
  }

  @Test
  void aPortNobodyListensOnIsConnectionRefused() throws IOException {
    int port;
    try (var probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort(); // free once closed
    }
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/x?user=postgres&password=" + SECRET;
    assertThatThrownBy(() -> Postgres.dataSource(url))
        .isInstanceOf(PostgresConnectionException.class)
        .hasMessageStartingWith("Connection refused")
        .hasMessageContaining("127.0.0.1:" + port)
        .hasMessageNotContaining("within")
        .hasMessageNotContaining(SECRET);
  }

  @Test
  void aPortThatIsNotANumberIsABadUrlWithTheReason() {
    assertThatThrownBy(() -> Postgres.dataSource("jdbc:postgresql://127.0.0.1:notaport/x?user=u&password=" + SECRET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("url jdbc:postgresql://127.0.0.1:notaport/x?user=u&password=***")
        .hasMessageContaining("port \"notaport\" is not a number from 1 to 65535")
        .hasMessageNotContaining(SECRET);
    assertThatThrownBy(() -> Postgres.dataSource("jdbc:postgresql://127.0.0.1:70000/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port \"70000\"");
  }

  @Test
  void credentialsBeforeTheHostAreRefusedWithThePasswordMasked() {
    assertThatThrownBy(() -> Postgres.dataSource("jdbc:postgresql://bob:" + SECRET + "@127.0.0.1:5432/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jdbc:postgresql://bob:***@127.0.0.1:5432/x")
        .hasMessageContaining("?user=...&password=...")
        .hasMessageNotContaining(SECRET);
  }

  @Test
  void aRefusedLoginIsAuthenticationFailedWithoutThePassword() {
    String url = withDatabase("postgres").replaceAll("([?&])user=[^&]*", "$1user=fabula_no_such_role");
    String withPassword = url + (url.contains("?") ? "&" : "?") + "password=" + SECRET;
    assertThatThrownBy(() -> Postgres.dataSource(withPassword))
        .isInstanceOf(PostgresConnectionException.class)
        .hasMessageStartingWith("Authentication failed")
        .hasMessageNotContaining(SECRET);
  }

  @Test
  void onlyAServerThatDoesNotAnswerIsATimeout() throws IOException {
    // Accepts the TCP connection (the backlog does) and never says a word.
    try (var silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String url = "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/x?user=postgres";
      assertThatThrownBy(() -> Postgres.dataSource(url, Duration.ofSeconds(1)))
          .isInstanceOf(PostgresConnectionException.class)
          .hasMessageStartingWith("No answer within 1000 ms");
    }
  }

  @Test
  void masksPasswordsInEveryFormTheUrlCanCarryThem() {
    assertThat(Pg.mask("jdbc:postgresql://h/db?user=u&password=" + SECRET + "&ssl=true"))
        .isEqualTo("jdbc:postgresql://h/db?user=u&password=***&ssl=true");
    assertThat(Pg.mask("jdbc:postgresql://u:" + SECRET + "@h:5432/db")).isEqualTo("jdbc:postgresql://u:***@h:5432/db");
    assertThat(Pg.mask("jdbc:postgresql://h:5432/db?user=u")).isEqualTo("jdbc:postgresql://h:5432/db?user=u");
    assertThat(new PostgresConnectionException("h:1", "Failed", new IllegalStateException("jdbcUrl=x?password=" + SECRET)))
        .hasMessageNotContaining(SECRET);
  }
}
