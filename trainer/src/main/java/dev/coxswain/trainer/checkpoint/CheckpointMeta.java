package dev.coxswain.trainer.checkpoint;

import java.time.Instant;
import java.util.Map;

/**
 * What a checkpoint holds besides the arrays: enough to continue exactly where it was taken.
 *
 * @param id {@code <branch>/<step>}
 * @param branch branch it was taken on
 * @param step last finished step
 * @param tag optional name given by whoever saved it
 * @param periodic true when saved by the periodic schedule (subject to retention)
 * @param knobs knob values at the time
 * @param optimizerUpdates AdamW's t
 * @param seed the run's seed; with the step it fixes the data position and every random draw
 * @param dataPosition the step whose batch comes next (the data source is a function of seed and
 *     step)
 * @param data the data source's description
 * @param loss the last training loss
 * @param files sha256 of each file in the checkpoint directory, checked on load
 * @param time when it was written
 * @param modules the model's settable parameters by module (a dropout's p); null in checkpoints
 *     from before they existed, which means every one at its default
 */
public record CheckpointMeta(
    String id,
    String branch,
    long step,
    String tag,
    boolean periodic,
    Map<String, Double> knobs,
    long optimizerUpdates,
    long seed,
    long dataPosition,
    Map<String, Object> data,
    Double loss,
    Map<String, String> files,
    Instant time,
    Map<String, Map<String, Double>> modules) {

  /** The same checkpoint with another tag and retention class. */
  public CheckpointMeta retagged(String newTag, boolean newPeriodic) {
    return new CheckpointMeta(
        id,
        branch,
        step,
        newTag,
        newPeriodic,
        knobs,
        optimizerUpdates,
        seed,
        dataPosition,
        data,
        loss,
        files,
        time,
        modules);
  }
}
