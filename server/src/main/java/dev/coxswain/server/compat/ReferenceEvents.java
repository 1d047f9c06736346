package dev.coxswain.server.compat;

import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Our events as the reference's WebSocket messages: {@code log_update} for training steps and
 * evaluations, the echoes of pause and resume, {@code checkpoint_info_update}, and the one result
 * of each command that came in through their protocol ({@code success} when applied, else {@code
 * failed} with our reason). One instance per run; not thread-safe (one event loop uses it).
 */
public final class ReferenceEvents {
  private static final int REMEMBERED = 10_000;

  private final String runDir;
  private final double epochsPerStep;
  // our command id -> the envelope it came in (bounded: the oldest are forgotten first)
  private final Map<String, ReferenceEnvelope> sent =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ReferenceEnvelope> e) {
          return size() > REMEMBERED;
        }
      };
  private String lastStatus = "";

  /**
   * @param runDir the run's directory as the trainer names it (checkpoint_dir is below it)
   * @param data the run's data description (run.json {@code data}), for the epoch
   */
  public ReferenceEvents(String runDir, Map<String, Object> data) {
    this.runDir = runDir;
    this.epochsPerStep = epochsPerStep(data);
  }

  /**
   * Fractional epochs per step: batch over records for a dataset, batch times context over tokens
   * for a token stream; 0 when the data does not say.
   */
  static double epochsPerStep(Map<String, Object> data) {
    if (data == null) {
      return 0;
    }
    double batch = num(data.get("batch_size"));
    double records = num(data.get("train_records"));
    if (batch > 0 && records > 0) {
      return batch / records;
    }
    // a character-level corpus counts characters, a tokenized one tokens
    double tokens = Math.max(num(data.get("train_tokens")), num(data.get("train_chars")));
    double context = num(data.get("context"));
    return batch > 0 && context > 0 && tokens > 0 ? batch * context / tokens : 0;
  }

  private static double num(Object o) {
    return o instanceof Number n ? n.doubleValue() : 0;
  }

  double epoch(long step) {
    return step * epochsPerStep;
  }

  /** Remembers a command that came in through the reference's protocol, under our id. */
  public void sent(String commandId, ReferenceEnvelope env) {
    sent.put(commandId, env);
  }

  /** The reference's messages for one of our events (often none). */
  public List<Map<String, Object>> translate(Event e) {
    List<Map<String, Object>> out = new ArrayList<>(1);
    Map<String, Object> p = e.payload();
    switch (e.type()) {
      case METRICS, EVAL ->
          out.add(
              ReferenceEnvelope.envelope(
                  "success", "log_update", Json.write(logArgs(e)), "", seconds(e)));
      case STATUS -> {
        String status = String.valueOf(p.get("status"));
        // a pause or resume from elsewhere (our console, the agent) is echoed as theirs; one of
        // their commands gets its result instead, with its uuid
        if (status.equals("paused") && !awaiting("pause_training")) {
          out.add(ReferenceEnvelope.envelope("success", "pause_training", "", "", seconds(e)));
        } else if (status.equals("running")
            && lastStatus.equals("paused")
            && !awaiting("resume_training")) {
          out.add(ReferenceEnvelope.envelope("success", "resume_training", "", "", seconds(e)));
        }
        lastStatus = status;
      }
      case CHECKPOINT ->
          out.add(
              ReferenceEnvelope.envelope(
                  "success",
                  "checkpoint_info_update",
                  Json.write(checkpointInfo(e, runDir)),
                  "",
                  seconds(e)));
      case COMMAND_RESULT -> {
        ReferenceEnvelope env = sent.remove(String.valueOf(p.get("command_id")));
        if (env != null) {
          boolean applied = "applied".equals(p.get("status"));
          Map<String, Object> m = env.echo(applied ? "success" : "failed");
          m.put("step", p.get("step")); // beyond their envelope: where it applied, or why not
          if (!applied) {
            m.put("message", p.get("status") + ": " + p.get("reason"));
          }
          out.add(m);
        }
      }
      default -> {
        // knobs, notes, health, branches, agent decisions: the reference has no message for them
      }
    }
    return out;
  }

  /**
   * A {@code log_update}'s args for a training step or an evaluation: their metric names ({@code
   * loss, grad_norm, learning_rate, eval_loss, global_step, epoch}; a workload metric m as {@code
   * eval_m}).
   */
  Map<String, Object> logArgs(Event e) {
    Map<String, Object> p = e.payload();
    Map<String, Object> m = new LinkedHashMap<>();
    if (e.type() == dev.coxswain.protocol.EventType.EVAL) {
      m.put("eval_loss", p.get("eval_loss"));
      if (p.get("metrics") instanceof Map<?, ?> metrics) {
        metrics.forEach((k, v) -> m.put("eval_" + k, v));
      }
    } else {
      m.put("loss", p.get("loss"));
      m.put("grad_norm", p.get("grad_norm"));
      m.put("learning_rate", p.get("lr"));
    }
    m.put("global_step", e.step());
    m.put("epoch", epoch(e.step()));
    Map<String, Object> args = new LinkedHashMap<>();
    args.put("local_step", e.step());
    args.put("wall_time", seconds(e));
    args.put("branch_id", e.branch());
    args.put("metrics", m);
    return args;
  }

  private boolean awaiting(String command) {
    return sent.values().stream().anyMatch(env -> env.command().equals(command));
  }

  /** A checkpoint event as the reference describes a checkpoint (its uuid is our id). */
  static Map<String, Object> checkpointInfo(Event e, String runDir) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("checkpoint_dir", runDir + "/checkpoints/" + e.payload().get("id"));
    c.put("global_step", e.step());
    c.put("time", seconds(e));
    c.put("uuid", e.payload().get("id"));
    c.put("branch_id", e.branch());
    return c;
  }

  static double seconds(Event e) {
    return e.time() == null ? 0 : e.time().toEpochMilli() / 1000.0;
  }
}
