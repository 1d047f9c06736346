package dev.coxswain.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Json;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNS rebinding: a real server on loopback answers only requests whose {@code Host} is one of its
 * names; a page under another name can neither read, nor write, nor open the stream, nor load the
 * console. Requests are written by hand on a socket, since HTTP clients do not let a caller choose
 * the Host header.
 */
class HostCheckTest {
  private static final String COMMAND =
      "{\"type\":\"set_knobs\",\"args\":{\"lr\":0.0025},\"reason\":\"rebinding\"}";

  @TempDir Path dir;
  private CoxswainServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdown("test over");
    }
  }

  /** A status, the headers and the body of one answer. */
  record Answer(int status, String head, String body) {
    @SuppressWarnings("unchecked")
    Map<String, Object> json() throws Exception {
      return Json.mapper().readValue(body, Map.class);
    }
  }

  private void start(List<String> publicHosts) throws Exception {
    server =
        TestRuns.start(
            dir,
            1_000_000,
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0).withPublicHosts(publicHosts),
            null);
    // paused: the run takes commands for as long as the test needs, and leaves the CPU to others
    TestRuns.Http http = new TestRuns.Http(server.port());
    assertEquals(202, http.command("t1", "{\"type\":\"pause\"}").statusCode());
    http.awaitState("t1", s -> "paused".equals(s.get("status")), 60);
  }

  /** Sends {@code head} (request line and headers, no blank line) and reads one answer. */
  private Answer send(String head, String body) throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(20_000);
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      String req =
          head + (b.length > 0 ? "\r\nContent-Length: " + b.length : "") + "\r\n\r\n" + body;
      s.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      int end = -1;
      while (end < 0) {
        int c = in.read();
        if (c < 0) {
          throw new AssertionError("the connection closed before an answer: " + got);
        }
        got.write(c);
        end = got.toString(StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n");
      }
      String headers = got.toString(StandardCharsets.ISO_8859_1);
      int length = 0;
      for (String line : headers.split("\r\n")) {
        if (line.toLowerCase().startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).strip());
        }
      }
      String answerBody = new String(in.readNBytes(length), StandardCharsets.UTF_8);
      int status = Integer.parseInt(headers.split(" ")[1]);
      return new Answer(status, headers, answerBody);
    }
  }

  private Answer get(String path, String host) throws Exception {
    return send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close", "");
  }

  private Answer post(String host) throws Exception {
    return send(
        "POST /api/runs/t1/commands HTTP/1.1\r\nHost: "
            + host
            + "\r\nAuthorization: Bearer "
            + TestRuns.TOKEN
            + "\r\nContent-Type: application/json\r\nConnection: close",
        COMMAND);
  }

  private Answer upgrade(String host) throws Exception {
    return send(
        "GET /api/runs/t1/stream HTTP/1.1\r\nHost: "
            + host
            + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13",
        "");
  }

  private int commandsRecorded() throws Exception {
    TestRuns.Http http = new TestRuns.Http(server.port());
    java.net.http.HttpResponse<String> r = http.get("/api/runs/t1/commands");
    assertEquals(200, r.statusCode(), r.version() + " " + r.body());
    return ((List<?>) http.json(r).get("commands")).size();
  }

  @Test
  void theBoundAddressAndTheLoopbackNamesAreServed() throws Exception {
    start(List.of());
    int port = server.port();
    for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port)) {
      assertEquals(200, get("/api/runs", host).status(), host);
      assertEquals(200, get("/api/runs/t1", host).status(), host);
      assertEquals(200, get("/", host).status(), host + ": the console page");
    }
    Answer posted = post("LOCALHOST:" + port);
    assertEquals(202, posted.status(), "names are case-insensitive: " + posted.body());
    assertEquals(101, upgrade("127.0.0.1:" + port).status());
  }

  @Test
  void aRebindingNameIsRefusedForReadsWritesTheStreamAndTheConsole() throws Exception {
    start(List.of());
    int port = server.port();
    String evil = "attacker.example:" + port;
    int before = commandsRecorded();

    Answer read = get("/api/runs/t1", evil);
    assertEquals(403, read.status(), read.body());
    assertTrue(read.head().contains("application/json"), read.head());
    assertTrue(read.json().get("error").toString().contains("attacker.example"), read.body());
    assertTrue(read.json().get("error").toString().contains("--public-host"), read.body());
    assertFalse(read.body().contains("\"step\""), "no run state leaks: " + read.body());

    Answer write = post(evil);
    assertEquals(403, write.status(), write.body());
    assertEquals(before, commandsRecorded(), "the refused command is not recorded");

    Answer ws = upgrade(evil);
    assertEquals(403, ws.status(), "no WebSocket for a rebound name: " + ws.head());
    assertEquals(403, get("/", evil).status(), "nor the console's page");
    assertEquals(403, get("/metrics", evil).status());
    // loopback names, but another port: a page served elsewhere on this machine
    assertEquals(403, get("/api/runs", "localhost:" + (port == 1 ? 2 : port - 1)).status());
    assertEquals(403, get("/api/runs", "localhost").status(), "no port means port 80");
    assertEquals(403, get("/api/runs", "127.0.0.2:" + port).status());
  }

  @Test
  void aPublicHostAdmitsThatNameOnly() throws Exception {
    start(List.of("coxswain.lan", "proxy.example:8443"));
    int port = server.port();
    assertEquals(200, get("/api/runs", "coxswain.lan:" + port).status());
    assertEquals(200, get("/api/runs", "Coxswain.LAN").status(), "any port, any case");
    Answer posted = post("proxy.example:8443");
    assertEquals(202, posted.status(), posted.body());
    assertEquals(101, upgrade("coxswain.lan:" + port).status());
    assertEquals(403, get("/api/runs", "proxy.example:" + port).status(), "only its port");
    assertEquals(403, get("/api/runs", "other.lan:" + port).status());
    assertEquals(403, get("/api/runs", "coxswain.lan.attacker.example").status());
  }

  @Test
  void oddMissingAndHugeHostsGetAJsonErrorAndTheServerGoesOn() throws Exception {
    start(List.of());
    int port = server.port();
    for (String odd :
        List.of("a b:" + port, "evil\u0001.example", "user@127.0.0.1:" + port, "127.0.0.1:x")) {
      Answer a = get("/api/runs", odd);
      assertTrue(a.status() == 400 || a.status() == 403, odd + ": " + a.status());
      assertTrue(a.json().get("error").toString().contains("Host"), a.body());
      assertFalse(a.body().contains("\u0001"), "control characters are not echoed");
    }
    Answer missing = send("GET /api/runs HTTP/1.0", "");
    assertEquals(400, missing.status(), missing.body());
    assertEquals("missing Host header", missing.json().get("error"));

    Answer longName = get("/api/runs", "a".repeat(2000) + ".example:" + port);
    assertEquals(400, longName.status(), longName.body());
    assertTrue(longName.body().length() < 600, "the error does not echo all of it");

    Answer huge = get("/api/runs", "a".repeat(20_000));
    assertEquals(431, huge.status(), huge.head());
    assertTrue(huge.json().get("error").toString().contains("headers too large"), huge.body());

    assertEquals(200, get("/api/runs", "127.0.0.1:" + port).status(), "still serving");
  }

  @Test
  void boundToEveryInterfaceAnyAddressIsAdmittedButNoUnknownName() {
    HostCheck all = new HostCheck("0.0.0.0", List.of());
    assertTrue(all.admits("192.168.1.20", "7007", 7007));
    assertTrue(all.admits("[fe80::1]", "7007", 7007));
    assertFalse(all.admits("gpu-box", "7007", 7007));
    assertFalse(all.admits("192.168.1.20", "7008", 7007));
    HostCheck one = new HostCheck("10.0.0.5", List.of("gpu-box"));
    assertTrue(one.admits("10.0.0.5", "7007", 7007));
    assertTrue(one.admits("gpu-box", "7007", 7007));
    assertFalse(one.admits("10.0.0.6", "7007", 7007));
    assertFalse(one.admits("localhost", "7007", 7007), "not bound to loopback");
    HostCheck v6 = new HostCheck("::1", List.of());
    assertTrue(v6.admits("[::1]", "7007", 7007));
    assertTrue(v6.admits("[0:0:0:0:0:0:0:1]", "7007", 7007));
    assertTrue(v6.admits("localhost", "7007", 7007));
  }

  @Test
  void aPublicHostThatIsNotAHostNameIsAConfigurationError() {
    for (String bad : List.of("", "http://x.example", "a b", "x.example:port", "x/y")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> HostCheck.validate(List.of(bad)));
      assertTrue(e.getMessage().startsWith("--public-host '" + bad + "'"), e.getMessage());
    }
    HostCheck.validate(List.of("gpu-box", "coxswain.example.org:443", "[::1]"));
  }

  @Test
  void serveRefusesABadPublicHostBeforeCreatingAnything() throws Exception {
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.err;
    System.setErr(new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code =
          new picocli.CommandLine(new dev.coxswain.server.Main())
              .execute(
                  "serve",
                  "--agent",
                  "off",
                  "--public-host",
                  "http://coxswain.lan",
                  "--run-dir",
                  dir.resolve("r").toString());
    } finally {
      System.setErr(old);
    }
    assertEquals(2, code);
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .contains("--public-host 'http://coxswain.lan' is not a host name"),
        err.toString(StandardCharsets.UTF_8));
    assertFalse(java.nio.file.Files.exists(dir.resolve("r")), "nothing created");
  }
}
