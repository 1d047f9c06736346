package dev.coxswain.run;

import dev.coxswain.protocol.Json;
import dev.coxswain.trainer.RunReports;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.device.DeviceChoice;
import dev.coxswain.trainer.device.DeviceUnavailableException;
import dev.coxswain.trainer.device.Libtorch;
import dev.coxswain.trainer.device.RunDevice;
import dev.coxswain.trainer.loop.OwnLoop;
import dev.coxswain.trainer.model.ModelTree;
import dev.coxswain.trainer.optim.ParamGroups;
import dev.coxswain.trainer.workload.CharGptWorkload;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Everything needed to start (or resume) a run of the default workload: the resolved configuration,
 * the trainer settings, the loaded workload and the content of run.json.
 */
public record RunSpec(
    String runId,
    RunConfig config,
    TrainerConfig trainer,
    Workload workload,
    Map<String, Object> runJson) {

  /** A fresh run id: time of day plus a few random characters. */
  public static String newRunId() {
    return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
        + "-"
        + UUID.randomUUID().toString().substring(0, 4);
  }

  /**
   * Resolves the configuration and loads the corpus.
   *
   * @param defaultSteps used when neither the file nor the flags give max_steps
   * @throws RunConfig.ConfigException for a bad configuration
   * @throws IOException when the corpus cannot be loaded (the message names the path)
   */
  public static RunSpec resolve(RunConfig merged, long defaultSteps, Map<String, Object> extra)
      throws RunConfig.ConfigException, IOException {
    String id = merged.runId() != null ? merged.runId() : newRunId();
    RunConfig c =
        merged.withOverrides(id, merged.maxSteps() == null ? defaultSteps : null, null, null, null);
    // an absolute corpus path, so that `resume` works from any directory
    c = c.withOverrides(null, null, null, null, c.workload().corpus().toAbsolutePath());
    RunDevice device = device(c.device());
    TrainerConfig tc = c.trainer(id, null, null, null, device.djl());
    CharGptWorkload wl = c.workload();
    Workload w;
    try {
      w = wl.build(tc.seed());
    } catch (IllegalArgumentException e) {
      throw new RunConfig.ConfigException(e.getMessage());
    }
    return of(c, tc, device, w, c.toMap(), extra);
  }

  /**
   * A run of a workload built in code (the Fashion-MNIST classifier of a benchmark scenario) with
   * the trainer settings of a configuration; its {@code model} and {@code data} sections are not
   * used, and run.json describes the workload's own.
   *
   * @param w built with the configuration's seed
   */
  public static RunSpec resolve(
      RunConfig merged, long defaultSteps, Map<String, Object> extra, Workload w)
      throws RunConfig.ConfigException {
    String id = merged.runId() != null ? merged.runId() : newRunId();
    RunConfig c =
        merged.withOverrides(id, merged.maxSteps() == null ? defaultSteps : null, null, null, null);
    RunDevice device = device(c.device());
    TrainerConfig tc = c.trainer(id, null, null, null, device.djl());
    Map<String, Object> config = new LinkedHashMap<>(c.toMap());
    config.remove("model");
    config.remove("data");
    return of(c, tc, device, w, config, extra);
  }

  private static RunSpec of(
      RunConfig c,
      TrainerConfig tc,
      RunDevice device,
      Workload w,
      Map<String, Object> config,
      Map<String, Object> extra)
      throws RunConfig.ConfigException {
    try {
      // a group that matches nothing, or a parameter another group took: refused before anything
      ParamGroups.resolve(ModelTree.of(w.block()), tc.paramGroups());
    } catch (IllegalArgumentException e) {
      throw new RunConfig.ConfigException(e.getMessage());
    }
    Map<String, Object> all = new LinkedHashMap<>(extra);
    all.put("device", Json.toMap(device.section()));
    String id = tc.runId();
    return new RunSpec(id, c, tc, w, runJson(id, w, config, all));
  }

  /**
   * The device a run's {@code device} setting gets with the libtorch this JVM loaded.
   *
   * @throws RunConfig.ConfigException naming the value, or why the GPU cannot be had and the fix
   */
  public static RunDevice device(String setting) throws RunConfig.ConfigException {
    DeviceChoice choice;
    try {
      choice = DeviceChoice.parse(setting == null ? "auto" : setting);
    } catch (IllegalArgumentException e) {
      throw new RunConfig.ConfigException(e.getMessage());
    }
    Libtorch libtorch;
    try {
      libtorch = Libtorch.loaded();
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      // a libtorch directory that passed the launcher's file check and still does not load
      String from = System.getenv("PYTORCH_LIBRARY_PATH");
      throw new RunConfig.ConfigException(
          "libtorch could not be loaded"
              + (from == null ? "" : " from " + from)
              + ": "
              + e.getMessage()
              + (from == null ? "" : " (is it libtorch 2.7.1, complete, for this machine?)"));
    }
    try {
      return choice.resolve(libtorch);
    } catch (DeviceUnavailableException e) {
      throw new RunConfig.ConfigException(e.getMessage());
    }
  }

  /**
   * The device of a run whose {@link TrainerConfig} was built in code: the one it sets, else DJL's
   * default (a GPU when the loaded libtorch has CUDA and sees one).
   */
  public static RunDevice deviceOf(TrainerConfig config) {
    Libtorch lt = Libtorch.loaded();
    ai.djl.Device d =
        config.device() != null
            ? config.device()
            : ai.djl.engine.Engine.getInstance().defaultDevice();
    String name = d.isGpu() ? "gpu:" + d.getDeviceId() : "cpu";
    return new RunDevice(
        name,
        config.device() != null ? name : "default",
        config.device() != null ? "set in the TrainerConfig" : "DJL's default device",
        lt,
        d.isGpu() ? lt.gpuName(d.getDeviceId()) : null,
        null);
  }

  /**
   * Says on which device the run trains and why, with the one warning of an idle GPU; a run.json
   * from before devices were recorded says nothing.
   */
  public void announceDevice(java.io.PrintStream err) {
    RunDevice.Section d = device(runJson);
    if (d == null) {
      return;
    }
    Libtorch.Section lt = d.libtorch();
    err.println(
        "coxswain: device "
            + d.name()
            + (d.gpuName() != null ? " (" + d.gpuName() + ")" : "")
            + " ["
            + d.why()
            + "], libtorch "
            + (lt == null ? null : lt.version())
            + " ("
            + (lt == null ? null : lt.flavor())
            + ") from "
            + (lt == null ? null : lt.path()));
    if (d.warning() != null) {
      err.println("coxswain: warning: " + d.warning());
    }
  }

  /** The {@code device} section of a run.json, or null when it has none (a run from before). */
  public static RunDevice.Section device(Map<String, Object> runJson) {
    return section(runJson, "device", RunDevice.Section.class);
  }

  /** The {@code reports} section of a run.json, or null when it has none (a run from before). */
  public static RunReports reports(Map<String, Object> runJson) {
    return section(runJson, "reports", RunReports.class);
  }

  private static <T> T section(Map<String, Object> runJson, String name, Class<T> type) {
    return runJson.get(name) instanceof Map<?, ?> m ? Json.mapper().convertValue(m, type) : null;
  }

  /** The run.json of a loop of its own: its name, its description, what it reports. */
  public static Map<String, Object> runJson(
      String id, OwnLoop loop, Map<String, Object> config, Map<String, Object> extra) {
    Map<String, Object> runJson = new LinkedHashMap<>();
    runJson.put("run_id", id);
    runJson.put("started", Instant.now().toString());
    runJson.put("workload", loop.name());
    runJson.put("model", loop.description());
    runJson.put("reports", Json.toMap(RunReports.ownLoop(loop.replayable())));
    runJson.put("data", Map.of("loop", loop.name()));
    runJson.put("config", config);
    runJson.putAll(extra);
    runJson.put("provenance", Json.toMap(Provenance.collect()));
    return runJson;
  }

  /**
   * A run's run.json: its id, start time, workload, model, data, configuration, the extra sections
   * (agent, ...) and where the code came from. Every way of starting a run writes this one form.
   */
  public static Map<String, Object> runJson(
      String id, Workload w, Map<String, Object> config, Map<String, Object> extra) {
    Map<String, Object> runJson = new LinkedHashMap<>();
    runJson.put("run_id", id);
    runJson.put("started", Instant.now().toString());
    runJson.put("workload", w.name());
    runJson.put("model", w.description());
    // what the console draws and in which units
    runJson.put("reports", Json.toMap(w.reports()));
    runJson.put("data", w.data().describe());
    runJson.put("config", config);
    runJson.putAll(extra);
    runJson.put("provenance", Json.toMap(Provenance.collect()));
    return runJson;
  }
}
