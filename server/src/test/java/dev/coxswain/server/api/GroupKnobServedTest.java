package dev.coxswain.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.run.RunConfig;
import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.TestRuns;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A served run with SGD and a parameter group: the run's state lists SGD's knobs and the group's
 * lr_mult knob with its bounds, and a person steers it over HTTP like any other knob.
 */
class GroupKnobServedTest {
  @TempDir Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void theGroupsKnobIsListedCheckedAtIntakeAndApplied() throws Exception {
    Path yaml = TestRuns.config(dir, 1_000_000, 50);
    Files.writeString(
        yaml,
        Files.readString(yaml)
            + "optimizer: {name: sgd, momentum: 0.9}\n"
            + "param_groups: [{name: head, match: head, lr_mult: 0.5}]\n");
    RunSpec spec =
        RunSpec.resolve(
            RunConfig.load(yaml).withOverrides("t1", null, null, null, null),
            1_000_000,
            Map.of("agent", Map.of("mode", "off")));
    RunStore store = RunStore.create(dir.resolve("runs/t1"), spec.runJson());
    CoxswainServer server =
        CoxswainServer.start(
            ApiOptions.defaults(TestRuns.TOKEN).withPort(0),
            dir.resolve("runs"),
            store,
            spec,
            null,
            null);
    try {
      TestRuns.Http http = new TestRuns.Http(server.port());
      Map<String, Object> state = http.awaitKnob("t1", "lr_mult.head", 0.5, 60);
      List<Map<String, Object>> knobs = (List<Map<String, Object>>) state.get("knobs");
      List<Object> names = knobs.stream().map(k -> k.get("name")).toList();
      assertEquals(
          List.of("lr", "weight_decay", "max_grad_norm", "momentum", "lr_mult.head"), names);
      Map<String, Object> mult = knobs.get(4);
      assertEquals(0.0, ((Number) mult.get("min")).doubleValue());
      assertEquals(10.0, ((Number) mult.get("max")).doubleValue());

      HttpResponse<String> tooMuch =
          http.command("t1", "{\"type\":\"set_knobs\",\"args\":{\"lr_mult.head\":11}}");
      assertEquals(400, tooMuch.statusCode(), tooMuch.body());
      assertTrue(tooMuch.body().contains("lr_mult.head"), tooMuch.body());
      HttpResponse<String> r =
          http.command("t1", "{\"type\":\"set_knobs\",\"args\":{\"lr_mult.head\":0.25}}");
      assertEquals(202, r.statusCode(), r.body());
      http.awaitKnob("t1", "lr_mult.head", 0.25, 60);
    } finally {
      server.shutdown("test over");
    }
  }
}
