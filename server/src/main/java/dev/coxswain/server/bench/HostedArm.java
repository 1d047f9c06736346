package dev.coxswain.server.bench;

import dev.coxswain.run.RunSpec;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.CoxswainServer;
import dev.coxswain.server.api.ApiOptions;
import dev.coxswain.trainer.InteractiveTrainer;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.bench.CpuTime;
import dev.coxswain.trainer.bench.ThroughputBenchmark;
import dev.coxswain.trainer.metric.StepProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The throughput benchmark's arm for what a user feels in {@code serve}: the trainer hosted by the
 * all-in-one server (its run store numbering and writing every event, events published on the bus,
 * the control plane's replica and HTTP API in the same process), no agent.
 */
public final class HostedArm implements ThroughputBenchmark.Arm {
  /** This arm's name in the benchmark's figures. */
  public static final String NAME = "hosted (serve)";

  private int runs;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepProfile train(Workload w, ThroughputBenchmark.Options o, CpuTime cpu)
      throws Exception {
    String id = "hosted-" + ++runs;
    Path root = Files.createTempDirectory(o.scratch(), "hosted-");
    TrainerConfig tc = ThroughputBenchmark.config(o, id);
    RunSpec spec = new RunSpec(id, null, tc, w, RunSpec.runJson(id, w, Map.of(), Map.of()));
    RunStore store = RunStore.create(root.resolve(id), spec.runJson());
    CoxswainServer server =
        CoxswainServer.start(
            ApiOptions.defaults(ServerBenchmark.TOKEN).withPort(0), root, store, spec, null, null);
    try {
      server.host().finished().toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES);
      // the benchmark hosts Coxswain's own loop
      return ((InteractiveTrainer) server.host().trainer()).stepProfile();
    } finally {
      server.shutdown("benchmark over");
    }
  }
}
