package dev.coxswain.trainer;

import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.coxswain.trainer.data.CharCorpus;
import dev.coxswain.trainer.data.CharWindowSource;
import dev.coxswain.trainer.model.CharGpt;
import dev.coxswain.trainer.model.GptConfig;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** Small real workloads for tests: a tiny GPT on four State of the Union addresses. */
final class Fixtures {
  static final int BATCH = 8;
  static final int CONTEXT = 16;

  private Fixtures() {}

  static CharCorpus tinyCorpus() {
    try {
      Path dir = Path.of(Fixtures.class.getResource("/tiny-corpus").toURI());
      return CharCorpus.load(dir, 4);
    } catch (IOException | URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Workload tinyGpt(long seed) {
    return tinyGpt(seed, Loss.softmaxCrossEntropyLoss());
  }

  static Workload tinyGpt(long seed, Loss loss) {
    CharCorpus corpus = tinyCorpus();
    GptConfig g = new GptConfig(corpus.vocabSize(), CONTEXT, 1, 32, 2);
    return Workload.builder()
        .optName("tiny-gpt")
        .setBlock(new CharGpt(g))
        .setInputShape(new Shape(BATCH, CONTEXT))
        .setLoss(loss)
        .setData(new CharWindowSource(corpus, BATCH, CONTEXT, seed, 2))
        .build();
  }

  static TrainerConfig.Builder config(long steps) {
    return TrainerConfig.builder()
        .optMaxSteps(steps)
        .optSeed(7)
        .optLr(3e-3)
        .optEvalEvery(0)
        .optCheckpointEvery(0)
        .optCheckpointAtEnd(false);
  }
}
