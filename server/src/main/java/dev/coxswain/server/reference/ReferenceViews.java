package dev.coxswain.server.reference;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.event.Payload;
import dev.coxswain.run.MetricsHistory;
import dev.coxswain.run.RunStore;
import dev.coxswain.run.StateViews;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bodies of the reference's read routes, from a run's store: what its dashboard and scripts
 * read to know the run. The reads that scan the log block: call them off the event loop.
 */
public final class ReferenceViews {
  private ReferenceViews() {}

  /** {@code GET /api/get_info/}: start time (seconds), status, the run's name. */
  public static Map<String, Object> info(RunStore store) {
    Map<String, Object> m = new LinkedHashMap<>();
    Object started = store.runJson().get("started");
    double start = 0;
    try {
      start = started == null ? 0 : Instant.parse(started.toString()).toEpochMilli() / 1000.0;
    } catch (RuntimeException e) {
      start = 0; // a run.json from elsewhere without a parsable time: the reference's default
    }
    m.put("start_time", start);
    m.put("status", store.status());
    m.put("run_name", store.runId());
    return m;
  }

  /** {@code GET /api/get_optimizer_info/}: the knobs' values, AdamW's betas as one pair. */
  public static Map<String, Object> optimizer(RunStore store) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("optimizer_name", "coxswain." + optimizerName(store.runJson()));
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map<String, Object> k : store.read(StateViews::knobs)) {
      values.put(String.valueOf(k.get("name")), k.get("value"));
    }
    Object b1 = values.remove("beta1");
    Object b2 = values.remove("beta2");
    m.putAll(values);
    if (b1 != null && b2 != null) {
      m.put("betas", List.of(b1, b2));
    }
    return m;
  }

  // the run's YAML names SGD when it trains with it (run.json keeps the YAML as given)
  private static String optimizerName(Map<String, Object> runJson) {
    if (runJson.get("config") instanceof Map<?, ?> config
        && config.get("optimizer") instanceof Map<?, ?> optimizer
        && "sgd".equals(optimizer.get("name"))) {
      return "SGD";
    }
    return "AdamW";
  }

  /** {@code GET /api/get_checkpoints/}: the checkpoints the run still has, oldest first. */
  public static List<Map<String, Object>> checkpoints(RunStore store, String runDir)
      throws IOException {
    Map<String, Map<String, Object>> kept = new LinkedHashMap<>();
    store.forEach(
        e -> {
          if (e.type() != EventType.CHECKPOINT) {
            return;
          }
          Payload.Checkpoint c = (Payload.Checkpoint) e.body();
          if (c.pruned() != null) {
            c.pruned().forEach(kept::remove);
          }
          kept.put(
              c.id(), ReferenceEvents.checkpointInfo(e.branch(), e.step(), e.time(), c, runDir));
        });
    return new ArrayList<>(kept.values());
  }

  /**
   * {@code GET /api/get_logs/}: every branch's points (each step once; re-trained steps after a
   * resume replace the lost ones), the branches and which one each came from.
   */
  public static Map<String, Object> logs(RunStore store, String runDir) throws IOException {
    @SuppressWarnings("unchecked")
    ReferenceEvents events =
        new ReferenceEvents(runDir, (Map<String, Object>) store.runJson().get("data"));
    MetricsHistory history = new MetricsHistory();
    Map<String, Map<String, Object>> branchInfo = new LinkedHashMap<>();
    Map<String, Object> main = new LinkedHashMap<>();
    main.put("id", "main");
    main.put("wall_time", info(store).get("start_time"));
    main.put("parent", null);
    branchInfo.put("main", main);
    String[] current = {"main"};
    store.forEach(
        e -> {
          history.accept(e);
          current[0] = e.branch() == null ? current[0] : e.branch();
          if (e.type() == EventType.BRANCH) {
            Payload.Branch b = (Payload.Branch) e.body();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("id", b.branch());
            info.put("wall_time", ReferenceEvents.seconds(e.time()));
            info.put("parent", b.parentBranch());
            branchInfo.put(b.branch(), info);
          }
        });
    Map<String, List<Map<String, Object>>> branched = new LinkedHashMap<>();
    for (String b : branchInfo.keySet()) {
      branched.put(b, new ArrayList<>());
    }
    long local = 0;
    for (Event e : history.points()) {
      Map<String, Object> args = events.logArgs(e);
      Map<String, Object> point = new LinkedHashMap<>();
      point.put("local_step", ++local);
      point.put("wall_time", args.get("wall_time"));
      point.put("metrics", args.get("metrics"));
      branched.computeIfAbsent(e.branch(), b -> new ArrayList<>()).add(point);
    }
    Map<String, List<String>> tree = new LinkedHashMap<>();
    for (Map<String, Object> info : branchInfo.values()) {
      tree.computeIfAbsent(String.valueOf(info.get("id")), k -> new ArrayList<>());
      if (info.get("parent") instanceof String parent) {
        tree.computeIfAbsent(parent, k -> new ArrayList<>()).add(String.valueOf(info.get("id")));
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("local_step", local);
    m.put("branched_logs", branched);
    m.put("current_branch", current[0]);
    m.put("branch_info", branchInfo);
    m.put("branch_tree", tree);
    return m;
  }

  /**
   * {@code GET /api/get_model_info/} of a live run: our module tree ({@code GET
   * /api/runs/{id}/model}, flat and in pre-order) nested as theirs, each node named by its path
   * (what their layer commands send as {@code layer_name}), {@code reset_parameters} as the
   * operation of a module that can be reset, the settable parameters as hyperparameters.
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> model(RunStore store, Map<String, Object> tree) {
    List<Map<String, Object>> modules = (List<Map<String, Object>>) tree.get("modules");
    if (modules == null || modules.isEmpty()) {
      return model(store);
    }
    java.util.ArrayDeque<Map<String, Object>> open = new java.util.ArrayDeque<>();
    Map<String, Object> root = null;
    for (Map<String, Object> m : modules) {
      int depth = ((Number) m.get("depth")).intValue();
      Map<String, Object> node = new LinkedHashMap<>();
      String path = (String) m.get("module");
      node.put("name", path.isEmpty() ? "model" : path);
      node.put("module_type", m.get("type"));
      node.put(
          "operators",
          ((List<Object>) m.get("operations")).contains("reset")
              ? List.of(Map.of("name", ReferenceCommands.RESET_PARAMETERS, "signature", List.of()))
              : List.of());
      List<Map<String, Object>> hyper = new ArrayList<>();
      for (Map<String, Object> p : (List<Map<String, Object>>) m.get("settable")) {
        hyper.add(
            Map.of(
                "name", p.get("param"),
                "value", p.get("value"),
                "type", "int".equals(p.get("type")) ? "int" : "float"));
      }
      node.put("hyperparameters", hyper);
      node.put("children", new ArrayList<Map<String, Object>>());
      while (open.size() > depth) {
        open.pop();
      }
      if (open.isEmpty()) {
        root = node;
      } else {
        ((List<Map<String, Object>>) open.peek().get("children")).add(node);
      }
      open.push(node);
    }
    return root;
  }

  /**
   * {@code GET /api/get_model_info/} when no trainer can describe the model (a run found on disk):
   * the tree is its root, named after the workload, with nothing to do to it.
   */
  public static Map<String, Object> model(RunStore store) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("name", "model");
    root.put("module_type", String.valueOf(store.runJson().getOrDefault("workload", "model")));
    root.put("operators", List.of());
    root.put("hyperparameters", List.of());
    root.put("children", List.of());
    Object description = store.runJson().get("model");
    if (description instanceof Map<?, ?> d) {
      root.put("description", d);
    }
    return root;
  }

  /** {@code GET /api/get_dataset_info/}: what the data is; nothing is settable at run time yet. */
  public static Map<String, Object> dataset(RunStore store) {
    Map<String, Object> m = new LinkedHashMap<>();
    Object data = store.runJson().get("data");
    m.put("initialization_parameters", data instanceof Map<?, ?> d ? d : Map.of());
    m.put("interactive_parameters", Map.of());
    return m;
  }

  /** The commands a run served this way takes, for errors and the README. */
  public static Set<String> commands() {
    return new LinkedHashSet<>(ReferenceCommands.SUPPORTED);
  }
}
