package dev.coxswain.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Event;
import dev.coxswain.run.LogReader;
import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.server.metrics.Scrape;
import dev.coxswain.server.notify.Notifier;
import dev.coxswain.trainer.events.FullDisk;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk under a served run: the log keeps only whole lines, the run is failed for the API and
 * {@code /metrics} at once, no command is acknowledged that is not on disk, and after space comes
 * back the log reads cleanly (every line whole, every number once) for a resume.
 */
class FullDiskTest {
  @TempDir Path dir;

  @Test
  void aFullDiskFailsTheRunEverywhereAndLeavesALogThatReadsCleanly() throws Exception {
    RunConfig cfg =
        RunConfig.load(TestRuns.config(dir, 1_000_000, 50))
            .withOverrides("fd", null, null, null, null);
    RunSpec spec = RunSpec.resolve(cfg, 1_000_000, Map.of("agent", Map.of("mode", "off")));
    FullDisk[] disk = new FullDisk[1];
    RunStore store =
        RunStore.create(
            dir.resolve("runs/fd"), spec.runJson(), FullDisk.withRoom(Long.MAX_VALUE, disk));
    // a person's webhook, on loopback
    List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer hook =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    hook.createContext(
        "/",
        x -> {
          told.add(
              new String(
                  x.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
          x.sendResponseHeaders(204, -1);
          x.close();
        });
    hook.start();
    CoxswainServer server =
        CoxswainServer.start(
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
            dir.resolve("runs"),
            store,
            spec,
            null,
            new Notifier.Options(
                "http://127.0.0.1:" + hook.getAddress().getPort() + "/", 3600, 1, 10));
    try {
      TestRuns.Http http = new TestRuns.Http(server.port());
      http.awaitState("fd", s -> ((Number) s.get("step")).longValue() >= 3, 60);
      disk[0].makeRoom(100); // the disk fills up in the middle of a line
      Map<String, Object> failed = http.awaitState("fd", s -> "failed".equals(s.get("status")), 60);
      assertTrue(
          String.valueOf(failed.get("failure")).contains("could not write its log"),
          failed.toString());
      Scrape m = Scrape.of(http, Map.of());
      assertEquals(1.0, m.value("coxswain_run_status", "status", "failed"), m.body());
      assertEquals(0.0, m.value("coxswain_run_status", "status", "running"));

      // no acknowledgement without the disk: neither while it is full nor after space came back
      HttpResponse<String> full = http.command("fd", "{\"type\":\"evaluate\"}");
      assertNotEquals(202, full.statusCode(), full.body());
      disk[0].makeRoom(Long.MAX_VALUE);
      HttpResponse<String> later = http.command("fd", "{\"type\":\"evaluate\"}");
      assertNotEquals(202, later.statusCode(), later.body());
      assertTrue(disk[0].failures() >= 1, "the disk was full for a write");
      http.awaitState("fd", s -> told.stream().anyMatch(t -> t.contains("failed")), 60);
      assertTrue(
          told.stream().anyMatch(t -> t.contains("could not write its log")), told.toString());
    } finally {
      server.shutdown("test over");
      hook.stop(0);
    }
    // the log: whole lines, numbers 1..n once each, readable by what a resume uses
    List<Event> events = new ArrayList<>();
    LogReader.read(dir.resolve("runs/fd"), RunStore.LOG, events::add);
    Set<Long> seqs = new HashSet<>();
    for (int i = 0; i < events.size(); i++) {
      assertEquals(i + 1, events.get(i).seq(), "no gap and no number twice");
      seqs.add(events.get(i).seq());
    }
    assertTrue(events.size() > 3);
    try (RunStore reopened = RunStore.open(dir.resolve("runs/fd"))) {
      assertEquals(events.size(), reopened.lastSeq());
    }
  }
}
