package dev.coxswain.trainer.data;

import dev.coxswain.protocol.Action;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Data made of named sources, each sampled with a weight, that can be re-read while the run goes
 * on. The batch of step s stays a pure function of (seed, s, the weights in force, the data
 * loaded), and {@link #describe} names every file loaded with its content hash, so a checkpoint
 * records what a resume or a replay must see.
 */
public interface MixableSource extends BatchSource {

  /** Every source by name, with its weight (0: loaded but not sampled). */
  Map<String, Double> weights();

  /**
   * What is wrong with these weights as the whole new mixture, or null: an unknown name, or no
   * weight above zero once they are applied. Names left out keep their weight.
   */
  String checkWeights(Map<String, Double> weights);

  /** Applies checked weights from the next batch on. */
  void setWeights(Map<String, Double> weights);

  /**
   * Reads what a reload would load, without changing anything: the named sources again (all of them
   * when the list is empty) and the new ones by path.
   *
   * @throws IllegalArgumentException naming the problem: an unknown name without a path, a path
   *     outside the data directory, a source with no text
   * @throws IOException when a file cannot be read
   */
  Reload prepare(List<Action.DataSource> sources) throws IOException;

  /** Swaps prepared data in from the next batch on; returns what was loaded, for the event. */
  Map<String, Object> apply(Reload reload);

  /** The last step of the epoch that {@code step} is in (a reload waits for it). */
  long epochEnd(long step);

  /** The source the {@code index}-th validation batch is drawn from. */
  String validationSource(int index);

  /**
   * Puts the sources and weights back as a checkpoint's {@link #describe} recorded them, reading
   * the same files and checking their hashes.
   *
   * @throws IOException when a recorded file is missing or its content changed
   */
  void restore(Map<String, Object> description) throws IOException;

  /** Data read and checked, waiting to be swapped in. */
  interface Reload {
    /** What it would load: source names, paths, files and hashes. */
    Map<String, Object> describe();
  }
}
