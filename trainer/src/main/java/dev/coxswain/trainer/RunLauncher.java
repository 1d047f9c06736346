package dev.coxswain.trainer;

import dev.coxswain.trainer.events.EventSink;
import dev.coxswain.trainer.loop.OwnLoop;
import java.io.IOException;
import java.nio.file.Path;

/**
 * How a host (a server, a joined member) builds the run it hosts, whoever owns the loop: the host
 * gives the run's directory, its event sink and a checkpoint to resume from; it records commands
 * itself, before they reach the run.
 */
@FunctionalInterface
public interface RunLauncher {
  /**
   * @param resumeFrom a checkpoint reference ({@code latest}, an id, a tag), or null
   * @throws IOException when the resume checkpoint is missing, corrupt or does not fit
   */
  SteeredRun launch(Path runDir, EventSink sink, String resumeFrom) throws IOException;

  /** Coxswain's own loop training this workload. */
  static RunLauncher of(Workload workload, TrainerConfig config) {
    return (dir, sink, resumeFrom) -> {
      InteractiveTrainer.Builder b =
          InteractiveTrainer.builder(workload, config)
              .optRunDir(dir)
              .optSink(sink)
              .optRecordCommands(false);
      if (resumeFrom != null) {
        b.optResumeFrom(resumeFrom);
      }
      return b.build();
    };
  }

  /** A loop of its own. */
  static RunLauncher of(OwnLoop loop, TrainerConfig config) {
    return (dir, sink, resumeFrom) -> {
      OwnLoopTrainer.Builder b =
          OwnLoopTrainer.builder(loop, config)
              .optRunDir(dir)
              .optSink(sink)
              .optRecordCommands(false);
      if (resumeFrom != null) {
        b.optResumeFrom(resumeFrom);
      }
      return b.build();
    };
  }
}
