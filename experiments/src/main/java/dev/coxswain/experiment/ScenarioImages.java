package dev.coxswain.experiment;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.ArrayDataset;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.workload.FashionMnistData;
import dev.coxswain.trainer.workload.FashionMnistWorkload;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The Fashion-MNIST images of the classifier scenarios, read once per directory and size and shared
 * by every run of this process: training only reads them, and a benchmark trains dozens of runs on
 * the same images. The arrays stay until the process ends (at the default size about 190 MB).
 */
final class ScenarioImages {
  private ScenarioImages() {}

  private record Key(Path dir, int train, int validation, int batch) {}

  private static final Map<Key, ArrayDataset[]> SETS = new HashMap<>();
  private static NDManager arrays;

  /** The classifier of a scenario's size, its batches shuffled by the seed. */
  static Workload workload(Scenario sc, long seed) throws IOException {
    int[] z = ScenarioParser.IMAGE_SIZES.get(sc.size());
    ArrayDataset[] sets = datasets(new Key(sc.images(), z[0], z[1], z[2]));
    return FashionMnistWorkload.create(sets[0], sets[1], z[2], seed);
  }

  private static synchronized ArrayDataset[] datasets(Key k) throws IOException {
    ArrayDataset[] sets = SETS.get(k);
    if (sets == null) {
      FashionMnistData train = FashionMnistData.train(k.dir(), k.train());
      FashionMnistData val = FashionMnistData.test(k.dir(), k.validation());
      if (arrays == null) {
        arrays = NDManager.newBaseManager();
      }
      sets =
          new ArrayDataset[] {
            FashionMnistWorkload.dataset(arrays, train, k.batch()),
            FashionMnistWorkload.dataset(arrays, val, k.batch())
          };
      SETS.put(k, sets);
    }
    return sets;
  }
}
