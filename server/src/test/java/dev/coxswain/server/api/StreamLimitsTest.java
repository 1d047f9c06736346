package dev.coxswain.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may open a run's stream, and how many: the console's own origin and a --cors-origin are let
 * in, any other page's origin (and the opaque "null") is refused before the upgrade; clients are
 * capped per run, and a closed one frees its place.
 */
class StreamLimitsTest {
  @TempDir Path dir;
  private CoxswainServer server;
  private final List<Socket> open = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Socket s : open) {
      s.close();
    }
    if (server != null) {
      server.shutdown("test over");
    }
  }

  /** A raw WebSocket handshake; returns the status line and keeps the socket open (unread). */
  private String handshake(String origin) throws Exception {
    Socket s = new Socket("127.0.0.1", server.port());
    open.add(s);
    String req =
        "GET /api/runs/t1/stream?since=0 HTTP/1.1\r\n"
            + "Host: 127.0.0.1:"
            + server.port()
            + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + (origin == null ? "" : "Origin: " + origin + "\r\n")
            + "\r\n";
    OutputStream out = s.getOutputStream();
    out.write(req.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    s.setSoTimeout(30_000);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    return in.readLine();
  }

  /** A running server that allows one other origin (--cors-origin). */
  private void startAllowing(String origin) throws Exception {
    server =
        TestRuns.start(
            dir,
            1_000_000,
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0).withCors(List.of(origin)),
            null);
    new TestRuns.Http(server.port())
        .awaitState("t1", s -> ((Number) s.get("step")).longValue() >= 1, 60);
  }

  @Test
  void onlyTheConsolesOwnOriginOrAnAllowedOneMayReadTheStream() throws Exception {
    startAllowing("http://dashboard.test:3000");
    String own = "http://127.0.0.1:" + server.port();
    String ownStatus = handshake(own);
    assertTrue(ownStatus.startsWith("HTTP/1.1 101"), "the console's own page: " + ownStatus);
    assertTrue(handshake("http://dashboard.test:3000").startsWith("HTTP/1.1 101"), "--cors-origin");
    assertTrue(handshake(null).startsWith("HTTP/1.1 101"), "a program (no Origin) is not a page");
    for (String foreign :
        List.of(
            "http://evil.test",
            "null",
            "http://127.0.0.1:" + (server.port() + 1),
            own + "/x",
            "http://127.0.0.1:" + server.port() + ".evil.test",
            "not a url at all")) {
      String status = handshake(foreign);
      assertTrue(status.startsWith("HTTP/1.1 403"), foreign + ": " + status);
    }
  }

  private int post(String origin) throws Exception {
    java.net.http.HttpRequest r =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + server.port() + "/api/runs/t1/commands"))
            .header("Authorization", "Bearer " + TestRuns.TOKEN)
            .header("Content-Type", "application/json")
            .header("Origin", origin)
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"type\":\"evaluate\"}"))
            .build();
    return java.net.http.HttpClient.newHttpClient()
        .send(r, java.net.http.HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  @Test
  void theConsolesOwnCommandsPassWhenACorsOriginIsGivenAndForeignOnesDoNot() throws Exception {
    startAllowing("http://dashboard.test:3000");
    assertEquals(202, post("http://127.0.0.1:" + server.port()), "the console's own page");
    assertEquals(202, post("http://dashboard.test:3000"), "the allowed dashboard");
    assertEquals(403, post("http://evil.test"), "another site");
  }

  @Test
  void streamClientsAreCappedPerRunAndAClosedOneFreesItsPlace() throws Exception {
    server = TestRuns.start(dir, 1_000_000);
    new TestRuns.Http(server.port())
        .awaitState("t1", s -> ((Number) s.get("step")).longValue() >= 1, 60);
    for (int i = 0; i < StreamRoute.MAX_PER_RUN; i++) {
      String status = handshake(null);
      assertTrue(status.startsWith("HTTP/1.1 101"), "client " + i + ": " + status);
    }
    assertTrue(handshake(null).startsWith("HTTP/1.1 503"), "one past the cap");
    open.get(0).close();
    // the server hears the close on its own time: the place comes back
    long deadline = System.nanoTime() + 30_000_000_000L;
    String status = "";
    while (System.nanoTime() < deadline && !status.startsWith("HTTP/1.1 101")) {
      status = handshake(null);
      if (!status.startsWith("HTTP/1.1 101")) {
        assertTrue(status.startsWith("HTTP/1.1 503"), status);
        open.remove(open.size() - 1).close();
        Thread.onSpinWait();
      }
    }
    assertEquals("HTTP/1.1 101 Switching Protocols", status);
  }
}
