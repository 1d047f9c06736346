package dev.coxswain.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Blocks;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.data.Batch;
import dev.coxswain.trainer.data.BatchSource;
import dev.coxswain.trainer.data.DatasetSource;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A classifier's corrupted window: the same images, their labels shuffled, the same every time. */
class CorruptedBatchesTest {
  private static final int N = 64;
  private static final int BATCH = 32;

  private static Workload classifier(NDManager m) {
    float[] x = new float[N * 2];
    float[] y = new float[N];
    for (int i = 0; i < N; i++) {
      x[2 * i] = i;
      x[2 * i + 1] = -i;
      y[i] = i % 10;
    }
    ArrayDataset set =
        new ArrayDataset.Builder()
            .setData(m.create(x, new Shape(N, 2)))
            .optLabels(m.create(y, new Shape(N)))
            .setSampling(BATCH, false)
            .build();
    return Workload.builder()
        .setBlock(Blocks.identityBlock())
        .setInputShape(new Shape(BATCH, 2))
        .setLoss(Loss.softmaxCrossEntropyLoss())
        .setData(new DatasetSource(set, set, BATCH, 7))
        .optKind(Workload.Kind.CLASSIFIER)
        .build();
  }

  @Test
  void aClassifiersLabelsAreShuffledInTheWindowOnlyAndAlikeEveryTime() {
    Trouble window = new Trouble(Trouble.Kind.CORRUPTED_BATCHES, 2, 0, 0, 3, null, null);
    try (NDManager m = NDManager.newBaseManager()) {
      Workload clean = classifier(m);
      BatchSource plain = clean.data();
      BatchSource bad = CorruptedBatches.wrap(clean, List.of(window), 1).data();
      BatchSource again = CorruptedBatches.wrap(classifier(m), List.of(window), 1).data();
      for (long step = 1; step <= 6; step++) {
        Batch p = plain.trainBatch(m, step);
        Batch b = bad.trainBatch(m, step);
        float[] images = p.data().head().toFloatArray();
        assertArrayEquals(images, b.data().head().toFloatArray(), "the images are untouched");
        float[] labels = p.labels().head().toFloatArray();
        float[] shuffled = b.labels().head().toFloatArray();
        if (step < 3 || step > 5) {
          assertArrayEquals(labels, shuffled, "step " + step + " is outside the window");
          continue;
        }
        assertFalse(Arrays.equals(labels, shuffled), "step " + step + ": labels moved");
        float[] a = labels.clone();
        float[] c = shuffled.clone();
        Arrays.sort(a);
        Arrays.sort(c);
        assertArrayEquals(a, c, "every label is still one of the batch's classes");
        assertArrayEquals(
            shuffled,
            again.trainBatch(m, step).labels().head().toFloatArray(),
            "the same shuffle for the same seed and step");
        assertEquals(BATCH, shuffled.length);
      }
    }
  }
}
