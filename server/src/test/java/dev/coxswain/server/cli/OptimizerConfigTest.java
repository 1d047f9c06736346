package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Json;
import dev.coxswain.server.Main;
import dev.coxswain.server.TestRuns;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code optimizer:}, {@code param_groups:} and {@code accumulate:} in a run's YAML, through {@code
 * train}: a run with all three trains and keeps them; each bad value stops with exit 2, a message
 * naming it, and nothing written.
 */
class OptimizerConfigTest {
  @TempDir Path dir;
  @RegisterExtension final CapturedOutput io = new CapturedOutput();
  private final ByteArrayOutputStream out = io.out;
  private final ByteArrayOutputStream err = io.err;

  /** Trains 3 steps of the tests' tiny GPT (batch 4) with {@code extra} added to its YAML. */
  private int train(Path runDir, String extra) throws Exception {
    Path yaml = TestRuns.config(dir, 3, 0);
    Files.writeString(yaml, Files.readString(yaml) + extra);
    return new CommandLine(new Main())
        .execute("train", "--config", yaml.toString(), "--run-dir", runDir.toString());
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  @SuppressWarnings("unchecked")
  void sgdGroupsAndAccumulationTrainAndAreKeptInRunJsonAndCheckpoints() throws Exception {
    Path runDir = dir.resolve("runs/sgd");
    int code =
        train(
            runDir,
            """
            optimizer: {name: sgd, momentum: 0.9, nesterov: true}
            param_groups:
              - {name: embeddings, match: [tokens, positions], lr_mult: 0.5}
              - {name: head, match: head}
            accumulate: 2
            knobs: {momentum: {max: 0.95}}
            """);
    assertEquals(0, code, err());
    Map<String, Object> config =
        (Map<String, Object>)
            Json.read(Files.readString(runDir.resolve("run.json")), Map.class).get("config");
    assertEquals(Map.of("name", "sgd", "momentum", 0.9, "nesterov", true), config.get("optimizer"));
    assertEquals(2, config.get("accumulate"));
    assertEquals(
        List.of(
            Map.of("name", "embeddings", "match", List.of("tokens", "positions"), "lr_mult", 0.5),
            Map.of("name", "head", "match", List.of("head"))),
        config.get("param_groups"));
    Map<String, Object> meta =
        Json.read(Files.readString(runDir.resolve("checkpoints/main/3/meta.json")), Map.class);
    Map<String, Object> knobs = (Map<String, Object>) meta.get("knobs");
    assertEquals(0.5, knobs.get("lr_mult.embeddings"));
    assertEquals(1.0, knobs.get("lr_mult.head"));
    assertEquals(0.9, knobs.get("momentum"));
    assertFalse(knobs.containsKey("beta1"), "SGD's knobs, not AdamW's: " + knobs);
  }

  @Test
  void eachBadValueStopsWithItsNameAndWritesNothing() throws Exception {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("accumulate: 0\n", "accumulate: micro-batches per step must be >= 1, got 0");
    bad.put("accumulate: 5\n", "accumulate: 5 micro-batches is above data.batch_size 4");
    bad.put(
        "param_groups: [{name: emb, match: \"tok_emb*\"}]\n",
        "group 'emb': 'tok_emb*' matches no module or parameter; the model's top level: tokens,"
            + " positions, block0, ln_f, head");
    bad.put(
        "param_groups: [{name: blocks, match: \"block*\"}, {name: attn, match: block0.attn}]\n",
        "group 'attn': 'block0.attn' matches block0.attn.qkv.weight, which group 'blocks' matched"
            + " already");
    bad.put("optimizer: {name: adam}\n", "unknown optimizer 'adam'; known: adamw, sgd");
    bad.put(
        "optimizer: {name: sgd, momentum: 1.0}\n", "optimizer.momentum must be in [0, 1), got 1.0");
    bad.put("optimizer: {name: sgd, momentum: -0.5}\n", "got -0.5");
    bad.put("optimizer: {momentum: 0.9}\n", "optimizer.name is required: adamw or sgd");
    bad.put(
        "optimizer: {name: adamw, momentum: 0.9}\n",
        "optimizer.momentum and optimizer.nesterov are SGD's");
    bad.put(
        "knobs: {beta1: {value: 0.8}}\noptimizer: {name: sgd}\n",
        "unknown knob 'beta1'; known with SGD: lr, weight_decay, max_grad_norm, momentum");
    bad.put("param_groups: [{name: Emb, match: tokens}]\n", "got 'Emb'");
    bad.put(
        "param_groups: [{name: emb, match: tokens, lr_mult: 20}]\n",
        "lr_mult must be in [0, 10.0], got 20.0");
    int i = 0;
    for (Map.Entry<String, String> e : bad.entrySet()) {
      err.reset();
      Path runDir = dir.resolve("runs/bad" + i++);
      assertEquals(2, train(runDir, e.getKey()), e.getKey() + err());
      assertTrue(err().contains("error: ") && err().contains(e.getValue()), e.getKey() + err());
      assertFalse(Files.exists(runDir), "nothing written for " + e.getKey());
    }
  }
}
