package dev.fabula.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/**
 * A TCP proxy on the loopback interface in front of a test server that breaks connections at
 * chosen points of its protocol, deterministically: by what the bytes say, not by time. Shared
 * through core's test jar by the backends' connection tests (PostgreSQL, MongoDB).
 *
 * <ul>
 *   <li>{@link Cut#BEFORE_SENDING}: the first client message holding the marker (e.g. {@code
 *       "INSERT INTO"}) is not forwarded; the connection is closed.
 *   <li>{@link Cut#AFTER_SENDING}: the message is forwarded, then the connection is closed: the
 *       server runs the statement for a client that is gone.
 *   <li>{@link Cut#BEFORE_REPLY}: the message is forwarded, and the server's reply to it is
 *       dropped once it holds {@code "INSERT 0 "} (its CommandComplete, which an autocommit
 *       statement sends after its commit, with ReadyForQuery): committed, but never told. The reply
 *       marker is given to the constructor ({@code "INSERT 0 "} for PostgreSQL); without one, the
 *       first reply after the message is dropped (MongoDB answers each command with one message).
 *   <li>{@link Cut#HOLD_UNTIL_LOOKED_UP}: the client side is closed at once (the client sees a lost
 *       connection), while the server side stays open and the message is held; it is sent to the
 *       server only once another connection has sent a message holding {@link #releaseMarker} and
 *       had its first reply: a statement delayed in the network, arriving after the client looked.
 * </ul>
 *
 * After a cut the proxy passes everything again, unless {@link #blackoutAfterCut} asked it to
 * close every connection and refuse new ones until {@link #restore}.
 */
public final class CuttingProxy implements AutoCloseable {
  /** Where the armed cut breaks the connection. */
  public enum Cut { BEFORE_SENDING, AFTER_SENDING, BEFORE_REPLY, HOLD_UNTIL_LOOKED_UP }

  private final String upstreamHost;
  private final int upstreamPort;
  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile Cut cut;
  private volatile String marker;
  private volatile int skip;
  private volatile boolean blackoutAfterCut;
  private volatile boolean blackout;
  private final CountDownLatch cutDone = new CountDownLatch(1);
  /** Under {@link Cut#HOLD_UNTIL_LOOKED_UP}: what releases the held message. */
  private volatile String releaseMarker;
  private volatile Link holding;
  private volatile byte[] held;
  private final CountDownLatch heldOver = new CountDownLatch(1);
  private volatile boolean heldSent;

  /** What the server's reply to the marked message holds, or null: its first reply. */
  private final @Nullable String replyMarker;

  /** A proxy to {@code host:port} that drops the first reply to the marked message. */
  public CuttingProxy(String upstreamHostPort) throws IOException {
    this(upstreamHostPort, null);
  }

  /**
   * A proxy to {@code host:port}; under {@link Cut#BEFORE_REPLY} the reply holding {@code
   * replyMarker} is dropped (null: the first reply after the marked message).
   */
  public CuttingProxy(String upstreamHostPort, @Nullable String replyMarker) throws IOException {
    this.replyMarker = replyMarker;
    int colon = upstreamHostPort.lastIndexOf(':');
    upstreamHost = upstreamHostPort.substring(0, colon);
    upstreamPort = Integer.parseInt(upstreamHostPort.substring(colon + 1));
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().name("proxy-accept").start(this::accept);
  }

  /** The URL {@code url} (JDBC or MongoDB) with its host and port replaced by the proxy's. */
  public String url(String url) {
    return url.replaceFirst("//[^/?]+", "//127.0.0.1:" + server.getLocalPort());
  }

  /** Breaks the next connection that sends {@code marker}, as {@code cut} says. */
  public void arm(Cut cut, String marker) {
    arm(cut, marker, 0);
  }

  /** Breaks the connection that sends {@code marker} after {@code skip} messages holding it passed. */
  public void arm(Cut cut, String marker, int skip) {
    this.marker = marker;
    this.skip = skip;
    this.cut = cut;
  }

  /**
   * Under {@link Cut#HOLD_UNTIL_LOOKED_UP}, the held message goes to the server once another
   * connection sent {@code releaseMarker} and its reply began.
   */
  public void releaseHeldAfter(String releaseMarker) {
    this.releaseMarker = releaseMarker;
  }

  /**
   * Waits until the held connection's server side is over: the held message was sent and answered,
   * or the server closed the connection (its backend stopped) first. True if it ended in time.
   */
  public boolean awaitHeldOver(long seconds) throws InterruptedException {
    return heldOver.await(seconds, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** Whether the held message reached the server's socket. */
  public boolean heldSent() {
    return heldSent;
  }

  /** After the cut, close every connection and refuse new ones: the server is out of reach. */
  public void blackoutAfterCut() {
    blackoutAfterCut = true;
  }

  /** Passes connections again after a blackout. */
  public void restore() {
    blackout = false;
  }

  /** Whether the armed cut happened. */
  public boolean cutDone() {
    return cutDone.getCount() == 0;
  }

  private boolean isReply(String text) {
    return replyMarker == null || text.contains(replyMarker);
  }

  private void accept() {
    try {
      while (true) {
        Socket client = server.accept();
        if (blackout) {
          client.close();
          continue;
        }
        Socket upstream = new Socket(upstreamHost, upstreamPort);
        sockets.add(client);
        sockets.add(upstream);
        Link link = new Link(client, upstream);
        Thread.ofPlatform().daemon().name("proxy-up").start(link::up);
        Thread.ofPlatform().daemon().name("proxy-down").start(link::down);
      }
    } catch (IOException closed) {
      // proxy closed
    }
  }

  /** One proxied connection. */
  private final class Link {
    final Socket client;
    final Socket upstream;
    /** Set once this connection sent the marker under {@link Cut#BEFORE_REPLY}. */
    volatile boolean awaitingReply;
    /** Set once this connection sent the release marker: its next reply releases the held message. */
    volatile boolean releasesHeld;

    Link(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void up() {
      pump(client, upstream, true);
    }

    void down() {
      pump(upstream, client, false);
    }

    private void pump(Socket from, Socket to, boolean fromClient) {
      byte[] buf = new byte[64 * 1024];
      boolean keepUpstream = false;
      try (InputStream in = from.getInputStream()) {
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buf)) >= 0) {
          String text = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
          Cut c = cut;
          if (!fromClient && holding == this) {
            if (isReply(text)) { // its CommandComplete: sent after the commit
              heldOver.countDown();
            }
            continue; // the client is gone
          }
          boolean skipped = false;
          if (fromClient && c != null && marker != null && text.contains(marker)) {
            synchronized (CuttingProxy.this) {
              if (skip > 0) {
                skip--;
                skipped = true;
              }
            }
          }
          if (!skipped && fromClient && c != null && marker != null && text.contains(marker)) {
            cut = null;
            if (c == Cut.HOLD_UNTIL_LOOKED_UP) {
              held = java.util.Arrays.copyOf(buf, n);
              holding = this;
              keepUpstream = true;
              cutDone.countDown(); // before the client can see the cut and ask whether it happened
              closeQuietly(client); // the client sees a lost connection; the server sees nothing
              return;
            }
            if (c == Cut.BEFORE_SENDING) {
              breakOff();
              return;
            }
            if (c == Cut.BEFORE_REPLY) {
              // Before forwarding: a fast server's reply may arrive before the next statement.
              awaitingReply = true;
            }
            out.write(buf, 0, n);
            out.flush();
            if (c == Cut.AFTER_SENDING) {
              breakOff();
              return;
            }
            continue;
          }
          if (!fromClient && awaitingReply && isReply(text)) {
            breakOff(); // the reply is dropped
            return;
          }
          String release = releaseMarker;
          if (fromClient && release != null && holding != null && holding != this && text.contains(release)) {
            releasesHeld = true;
          }
          out.write(buf, 0, n);
          out.flush();
          if (!fromClient && releasesHeld) {
            releasesHeld = false;
            releaseHeld(); // the looking connection has had (the start of) its answer
          }
        }
      } catch (IOException closed) {
        // either side closed
      } finally {
        if (holding == this && !fromClient) {
          heldOver.countDown(); // the server closed the held connection
        }
        closeQuietly(from);
        if (!keepUpstream) {
          closeQuietly(to);
        }
      }
    }

    private void releaseHeld() {
      Link h = holding;
      byte[] message = held;
      if (h == null || message == null) {
        return;
      }
      held = null;
      try {
        OutputStream up = h.upstream.getOutputStream();
        up.write(message);
        up.flush();
        heldSent = true;
      } catch (IOException gone) {
        heldOver.countDown(); // its backend is gone already: nothing can run it
      }
    }

    private void breakOff() {
      if (blackoutAfterCut) {
        blackout = true; // before the client sees the cut: its reconnection must be refused
      }
      // Counted before the client can see the cut: a test that caught the client's error and then
      // asks cutDone() must get true (counted after the close, it raced the proxy thread and lost).
      cutDone.countDown();
      closeQuietly(client);
      closeQuietly(upstream);
      if (blackoutAfterCut) {
        for (Socket s : sockets) {
          closeQuietly(s);
        }
      }
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }
}
