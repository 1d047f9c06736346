package dev.coxswain.server.reference;

import dev.coxswain.protocol.CommandResult;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.event.MalformedPayloadException;
import dev.coxswain.protocol.event.Payload;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our events as the reference's WebSocket messages: {@code log_update} for training steps and
 * evaluations, the echoes of pause and resume, {@code checkpoint_info_update}, and the one result
 * of each command that came in through their protocol ({@code success} when applied, else {@code
 * failed} with our reason). One instance per run; not thread-safe (one event loop uses it).
 */
public final class ReferenceEvents {
  private static final Logger LOG = LoggerFactory.getLogger(ReferenceEvents.class);
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

  /**
   * The reference's messages for one of our events (often none; none for an event whose payload
   * does not have its type's shape, which the reference could not be told of either).
   */
  public List<Map<String, Object>> translate(Event e) {
    try {
      return messages(e);
    } catch (MalformedPayloadException bad) {
      LOG.debug("run event {} not translated: {}", e.seq(), bad.getMessage());
      return List.of();
    }
  }

  private List<Map<String, Object>> messages(Event e) {
    List<Map<String, Object>> out = new ArrayList<>(1);
    switch (e.type()) {
      case METRICS, EVAL ->
          out.add(
              ReferenceEnvelope.envelope(
                  "success", "log_update", Json.write(logArgs(e)), "", seconds(e.time())));
      case STATUS -> {
        String status = ((Payload.Status) e.body()).status();
        // a pause or resume from elsewhere (our console, the agent) is echoed as theirs; one of
        // their commands gets its result instead, with its uuid
        if (status.equals("paused") && !awaiting("pause_training")) {
          out.add(
              ReferenceEnvelope.envelope("success", "pause_training", "", "", seconds(e.time())));
        } else if (status.equals("running")
            && lastStatus.equals("paused")
            && !awaiting("resume_training")) {
          out.add(
              ReferenceEnvelope.envelope("success", "resume_training", "", "", seconds(e.time())));
        }
        lastStatus = status;
      }
      case CHECKPOINT -> {
        Payload.Checkpoint c = (Payload.Checkpoint) e.body();
        out.add(
            ReferenceEnvelope.envelope(
                "success",
                "checkpoint_info_update",
                Json.write(checkpointInfo(e.branch(), e.step(), e.time(), c, runDir)),
                "",
                seconds(e.time())));
      }
      case COMMAND_RESULT -> {
        CommandResult r = ((Payload.Result) e.body()).result();
        ReferenceEnvelope env = sent.remove(String.valueOf(r.commandId()));
        if (env != null) {
          boolean applied = r.isApplied();
          Map<String, Object> m = env.echo(applied ? "success" : "failed");
          m.put("step", r.step()); // beyond their envelope: where it applied, or why not
          if (!applied) {
            m.put("message", r.status().wire() + ": " + r.reason());
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
    Payload p = e.body();
    Map<String, Object> m = new LinkedHashMap<>();
    if (p instanceof Payload.Eval ev) {
      m.put("eval_loss", ev.evalLoss());
      if (ev.metrics() != null) {
        ev.metrics().forEach((k, v) -> m.put("eval_" + k, v));
      }
    } else if (p instanceof Payload.Metrics x) {
      m.put("loss", x.loss());
      m.put("grad_norm", x.gradNorm());
      m.put("learning_rate", x.lr());
    }
    m.put("global_step", e.step());
    m.put("epoch", epoch(e.step()));
    Map<String, Object> args = new LinkedHashMap<>();
    args.put("local_step", e.step());
    args.put("wall_time", seconds(e.time()));
    args.put("branch_id", e.branch());
    args.put("metrics", m);
    return args;
  }

  private boolean awaiting(String command) {
    return sent.values().stream().anyMatch(env -> env.command().equals(command));
  }

  /**
   * A checkpoint saved on {@code branch} at {@code step}, as the reference describes a checkpoint
   * (its uuid is our id).
   */
  static Map<String, Object> checkpointInfo(
      String branch, long step, Instant time, Payload.Checkpoint saved, String runDir) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("checkpoint_dir", runDir + "/checkpoints/" + saved.id());
    c.put("global_step", step);
    c.put("time", seconds(time));
    c.put("uuid", saved.id());
    c.put("branch_id", branch);
    return c;
  }

  static double seconds(Instant time) {
    return time == null ? 0 : time.toEpochMilli() / 1000.0;
  }
}
