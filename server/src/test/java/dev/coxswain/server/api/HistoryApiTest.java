package dev.coxswain.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.ServedStore;
import dev.coxswain.server.TestRuns;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocketClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/runs/{id}/history}: a run's metrics as columns per branch, its other events
 * whole, and the seq from which the stream continues with no gap and no duplicate.
 */
class HistoryApiTest {
  @TempDir Path dir;

  /** main trains 1..150 and forks at its checkpoint 100 to b1, which resumes once at 105. */
  private static RunStore run(Path dir) throws Exception {
    RunStore s = RunStore.create(dir.resolve("runs/h1"), Map.of("run_id", "h1"));
    s.append(EventType.STATUS, Map.of("status", "running"));
    for (long step = 1; step <= 150; step++) {
      s.append(metrics("main", step, 2.0 + step / 1000.0));
      if (step % 50 == 0) {
        s.append(event("main", step, EventType.EVAL, Map.of("eval_loss", 2.5)));
        s.append(
            event(
                "main",
                step,
                EventType.CHECKPOINT,
                Map.of("id", "main-" + step, "periodic", true, "pruned", List.of())));
      }
    }
    s.append(
        event("main", 150, EventType.COMMAND, Map.of("id", "c1", "type", "fork", "source", "api")));
    s.append(
        event(
            "b1",
            100,
            EventType.BRANCH,
            Map.of(
                "branch",
                "b1",
                "checkpoint",
                "main-100",
                "parent_branch",
                "main",
                "left_at_step",
                150,
                "resumes_at_step",
                101)));
    s.append(
        event(
            "b1",
            100,
            EventType.COMMAND_RESULT,
            Map.of("command_id", "c1", "type", "fork", "status", "applied", "step", 101)));
    for (long step = 101; step <= 110; step++) {
      s.append(metrics("b1", step, 9.0)); // lost in a crash: re-trained from 105 below
    }
    s.append(event("b1", 110, EventType.EVAL, Map.of("eval_loss", 9.5))); // lost too
    s.append(
        event(
            "b1",
            105,
            EventType.STATUS,
            Map.of("status", "resuming", "from_step", 105, "branch", "b1")));
    for (long step = 106; step <= 108; step++) {
      s.append(metrics("b1", step, 3.0 + step / 1000.0));
    }
    s.append(event("b1", 108, EventType.NOTE, Map.of("text", "fine", "source", "human")));
    return s;
  }

  private static Event metrics(String branch, long step, double loss) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("loss", loss);
    p.put("lr", 1e-3);
    if (step % 2 == 0) {
      p.put("grad_norm", 0.5); // reported on even steps only: null in its column elsewhere
    }
    p.put("skipped", false); // not a number: no column
    return event(branch, step, EventType.METRICS, p);
  }

  private static Event event(String branch, long step, EventType t, Map<String, Object> p) {
    return new Event(0, "h1", branch, step, t, Instant.now(), p);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> json(HttpResponse<String> r) throws Exception {
    return Json.read(r.body(), Map.class);
  }

  @Test
  @SuppressWarnings("unchecked")
  void columnsPerBranchTheOtherEventsWholeAndTheSeqToStreamFrom() throws Exception {
    try (RunStore s = run(dir);
        ServedStore served = new ServedStore(s, ApiOptions.defaults(TestRuns.TOKEN).withPort(0))) {
      TestRuns.Http http = new TestRuns.Http(served.port());
      HttpResponse<String> r = http.get("/api/runs/h1/history");
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
      Map<String, Object> h = json(r);
      assertEquals(s.lastSeq(), ((Number) h.get("last_seq")).longValue());
      List<Map<String, Object>> branches = (List<Map<String, Object>>) h.get("branches");
      assertEquals(List.of("main", "b1"), branches.stream().map(b -> b.get("name")).toList());
      Map<String, Object> main = branches.get(0);
      assertEquals(steps(1, 150), longs(main.get("steps")));
      Map<String, List<Object>> cols = (Map<String, List<Object>>) main.get("metrics");
      assertEquals(List.of("loss", "lr", "grad_norm"), List.copyOf(cols.keySet()), "numbers only");
      assertEquals((float) 2.001, ((Number) cols.get("loss").get(0)).floatValue());
      assertEquals((float) 2.15, ((Number) cols.get("loss").get(149)).floatValue());
      assertEquals(null, cols.get("grad_norm").get(0), "step 1 reported no grad_norm");
      assertEquals(0.5, ((Number) cols.get("grad_norm").get(1)).doubleValue());
      // b1: 101..105 kept from before the crash, 106..108 re-trained, 109 and 110 gone
      Map<String, Object> b1 = branches.get(1);
      assertEquals(steps(101, 108), longs(b1.get("steps")));
      List<Object> b1Loss = ((Map<String, List<Object>>) b1.get("metrics")).get("loss");
      assertEquals(9.0, ((Number) b1Loss.get(4)).doubleValue(), "step 105, before the resume");
      assertEquals((float) 3.106, ((Number) b1Loss.get(5)).floatValue(), "step 106 re-trained");

      List<Map<String, Object>> events = (List<Map<String, Object>>) h.get("events");
      List<Long> seqs = events.stream().map(e -> ((Number) e.get("seq")).longValue()).toList();
      assertEquals(seqs.stream().sorted().distinct().toList(), seqs, "in order, each once");
      long whole = events.stream().filter(e -> !"metrics".equals(e.get("type"))).count();
      // running, 3 evals and 3 checkpoints on main, command, branch, result, resuming, note
      assertEquals(12, whole, "every event that is not a metric, the superseded b1 eval left out");
      assertFalse(
          events.stream()
              .anyMatch(e -> "eval".equals(e.get("type")) && "b1".equals(e.get("branch"))),
          "the evaluation at b1/110 was lost with its step");
      List<Map<String, Object>> tail =
          events.stream().filter(e -> "metrics".equals(e.get("type"))).toList();
      // the last metrics events that still stand, whole (up to 101: the resume took 5 away)
      List<String> standing = new ArrayList<>();
      steps(1, 150).forEach(step -> standing.add("main/" + step));
      steps(101, 108).forEach(step -> standing.add("b1/" + step));
      assertTrue(tail.size() >= 90 && tail.size() <= 101, "tail of " + tail.size());
      assertEquals(
          standing.subList(standing.size() - tail.size(), standing.size()),
          tail.stream().map(e -> e.get("branch") + "/" + number(e.get("step"))).toList());
      assertEquals(
          s.lastSeq(),
          ((Number) h.get("folded")).longValue() + events.size(),
          "each event of the log once: whole or folded into the columns");

      // only the columns asked for
      Map<String, Object> lossOnly = json(http.get("/api/runs/h1/history?metrics=loss,loss"));
      for (Map<String, Object> b : (List<Map<String, Object>>) lossOnly.get("branches")) {
        assertEquals(
            List.of("loss"), List.copyOf(((Map<String, Object>) b.get("metrics")).keySet()));
      }

      // the stream from last_seq: what came after the read, each once, nothing before it
      long from = s.lastSeq();
      List<Long> streamed = new ArrayList<>();
      Promise<Void> three = Promise.promise();
      // held until the end: Vert.x closes a client that becomes unreachable (GC), mid-handshake
      // too ("Connection closed while handshake in process", once in a clean-clone run)
      WebSocketClient client = served.vertx().createWebSocketClient();
      client
          .connect(served.port(), "127.0.0.1", "/api/runs/h1/stream?since=" + from)
          .onFailure(three::tryFail)
          .onSuccess(
              ws -> {
                ws.textMessageHandler(
                    t -> {
                      synchronized (streamed) {
                        try {
                          streamed.add(Json.read(t, Event.class).seq());
                        } catch (Exception e) {
                          three.tryFail(e);
                        }
                        if (streamed.size() == 3) {
                          three.tryComplete();
                        }
                      }
                    });
                for (long step = 109; step <= 111; step++) {
                  s.append(metrics("b1", step, 3.1));
                }
              });
      three.future().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      synchronized (streamed) {
        assertEquals(List.of(from + 1, from + 2, from + 3), streamed);
      }
      client.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void unknownRunBadMetricsAndAPrivateServerWithoutItsToken() throws Exception {
    try (RunStore s = run(dir);
        ServedStore open = new ServedStore(s, ApiOptions.defaults(TestRuns.TOKEN).withPort(0))) {
      TestRuns.Http http = new TestRuns.Http(open.port());
      HttpResponse<String> none = http.get("/api/runs/nope/history");
      assertEquals(404, none.statusCode());
      assertEquals("no run 'nope'", json(none).get("error"));
      for (String bad : List.of("", "loss,", "lo%20ss", "loss,%2Fetc")) {
        HttpResponse<String> r = http.get("/api/runs/h1/history?metrics=" + bad);
        assertEquals(400, r.statusCode(), "metrics=" + bad + ": " + r.body());
        assertEquals("metrics", json(r).get("field"));
        assertTrue(((String) json(r).get("error")).contains("metric names"));
      }
    }
    try (RunStore s = RunStore.open(dir.resolve("runs/h1"));
        ServedStore closed =
            new ServedStore(
                s, ApiOptions.defaults(TestRuns.TOKEN).withPort(0).withPrivateReads(true))) {
      TestRuns.Http http = new TestRuns.Http(closed.port());
      HttpResponse<String> refused = http.get("/api/runs/h1/history");
      assertEquals(401, refused.statusCode());
      assertFalse(refused.body().contains("\"loss\""), "nothing of the run without the token");
      HttpResponse<String> wrong =
          http.get("/api/runs/h1/history", Map.of("Authorization", "Bearer not-the-token"));
      assertEquals(401, wrong.statusCode());
      HttpResponse<String> ok =
          http.get("/api/runs/h1/history", Map.of("Authorization", "Bearer " + TestRuns.TOKEN));
      assertEquals(200, ok.statusCode(), ok.body());
      assertEquals(s.lastSeq(), ((Number) json(ok).get("last_seq")).longValue());
    }
  }

  private static long number(Object o) {
    return ((Number) o).longValue();
  }

  private static List<Long> steps(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  private static List<Long> longs(Object list) {
    return ((List<?>) list).stream().map(o -> ((Number) o).longValue()).toList();
  }
}
