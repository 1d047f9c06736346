package dev.coxswain.server.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coxswain.run.RunStore;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference's views of a run, read from its store. */
class ReferenceViewsTest {
  @TempDir Path dir;

  private String optimizerName(String run, Map<String, Object> config) throws Exception {
    try (RunStore store =
        RunStore.create(dir.resolve(run), Map.of("run_id", run, "config", config))) {
      return (String) ReferenceViews.optimizer(store).get("optimizer_name");
    }
  }

  @Test
  void theOptimizerIsNamedAsTheRunsConfigurationChoseIt() throws Exception {
    assertEquals("coxswain.AdamW", optimizerName("plain", Map.of()));
    assertEquals(
        "coxswain.AdamW", optimizerName("adamw", Map.of("optimizer", Map.of("name", "adamw"))));
    assertEquals(
        "coxswain.SGD",
        optimizerName("sgd", Map.of("optimizer", Map.of("name", "sgd", "momentum", 0.9))));
  }
}
