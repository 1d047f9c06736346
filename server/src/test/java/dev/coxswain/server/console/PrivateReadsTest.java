package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/** {@code serve --private}: reads and the stream need the token; the console asks for it. */
class PrivateReadsTest {
  @TempDir Path dir;

  /** Messages a WebSocket client received, and how it was closed. */
  private static final class Client implements WebSocket.Listener {
    final List<String> messages = new CopyOnWriteArrayList<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    final CountDownLatch five = new CountDownLatch(5);
    private final StringBuilder part = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      part.append(data);
      if (last) {
        messages.add(part.toString());
        part.setLength(0);
        five.countDown();
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
      closed.complete(code);
      return null;
    }
  }

  private static WebSocket open(int port, String run, Client c, String header) throws Exception {
    WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder();
    if (header != null) {
      b.header("Authorization", header);
    }
    return b.buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/runs/" + run + "/stream"), c)
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void readsAndTheStreamNeedTheTokenAndTheConsoleAsksForIt() throws Exception {
    CoxswainServer server =
        TestRuns.start(
            dir,
            1_000_000,
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0).withPrivateReads(true),
            null);
    int port = server.port();
    try {
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + port;
      HttpResponse<String> anonymous =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/runs/t1")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(401, anonymous.statusCode());
      assertTrue(anonymous.body().contains("token"), anonymous.body());
      HttpResponse<String> wrong =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/runs"))
                  .header("Authorization", "Bearer nope")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(401, wrong.statusCode());
      HttpResponse<String> ok =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/runs"))
                  .header("Authorization", "Bearer " + TestRuns.TOKEN)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ok.statusCode());
      // the report is a read like the others
      assertEquals(
          401,
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/api/runs/t1/report")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());
      // the page itself is served to anyone: it holds no data
      assertEquals(
          200,
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());

      // the stream: nothing before the token; a wrong first message closes it with 1008
      Client silent = new Client();
      WebSocket w1 = open(port, "t1", silent, null);
      // let the run produce 20 more events while the socket waits for its token
      long seqAtOpen = lastSeq(http, base);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (lastSeq(http, base) < seqAtOpen + 20 && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
      }
      assertTrue(lastSeq(http, base) >= seqAtOpen + 20, "the run kept producing events");
      assertEquals(List.of(), silent.messages, "no event before the token");
      w1.sendText("{\"token\": \"nope\"}", true);
      assertEquals(1008, silent.closed.get(10, TimeUnit.SECONDS));
      assertEquals(List.of(), silent.messages);
      // the token as the first message, or in the header: events flow
      Client byMessage = new Client();
      open(port, "t1", byMessage, null).sendText("{\"token\": \"" + TestRuns.TOKEN + "\"}", true);
      Client byHeader = new Client();
      open(port, "t1", byHeader, "Bearer " + TestRuns.TOKEN);
      assertTrue(byMessage.five.await(30, TimeUnit.SECONDS), "events after the token message");
      assertTrue(byHeader.five.await(30, TimeUnit.SECONDS), "events with the token header");
      assertTrue(byMessage.messages.get(0).contains("\"seq\":1,"), byMessage.messages.get(0));

      // the console asks for the token before it shows anything, then works as usual
      try (Browser b = new Browser(dir.resolve("chromium"), 1200, 900)) {
        b.driver.get(base + "/");
        b.await(
            60, "the token is asked for", d -> d.findElement(By.id("token-dialog")).isDisplayed());
        assertFalse(b.driver.findElement(By.id("token-dialog")).getText().isEmpty());
        b.driver.findElement(By.id("token-input")).sendKeys(TestRuns.TOKEN);
        b.click(By.id("token-ok"));
        b.await(60, "points from the run", d -> points(b) >= 5);
        // the token stays in the tab: a reload shows the run without asking
        b.driver.navigate().refresh();
        b.await(60, "points again after a reload", d -> points(b) >= 5);
        assertFalse(b.driver.findElement(By.id("token-dialog")).isDisplayed());
        // a link cannot send the token: the page reads the report with it and opens it
        String console = b.driver.getWindowHandle();
        b.click(By.id("report-link"));
        b.await(30, "the report's tab", d -> d.getWindowHandles().size() == 2);
        for (String h : b.driver.getWindowHandles()) {
          if (!h.equals(console)) {
            b.driver.switchTo().window(h);
          }
        }
        b.await(
            60,
            "the report, read with the token",
            d ->
                d.findElements(By.tagName("h1")).stream()
                    .anyMatch(h -> h.getText().contains("t1")));
        b.driver.close();
        b.driver.switchTo().window(console);
        assertEquals(List.of(), b.snapshot().get("errors"));
      }
    } finally {
      server.shutdown("test over");
    }
  }

  private static long lastSeq(HttpClient http, String base) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/runs/t1"))
                .header("Authorization", "Bearer " + TestRuns.TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return ((Number)
            dev.coxswain.protocol.Json.mapper().readValue(r.body(), Map.class).get("last_seq"))
        .longValue();
  }

  @SuppressWarnings("unchecked")
  private static long points(Browser b) {
    Map<String, Object> s = b.snapshot();
    if (s == null) {
      return 0;
    }
    List<Map<String, Object>> br = (List<Map<String, Object>>) s.get("branches");
    return br.isEmpty() ? 0 : ((Number) br.get(0).get("points")).longValue();
  }
}
