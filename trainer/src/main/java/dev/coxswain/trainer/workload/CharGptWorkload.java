package dev.coxswain.trainer.workload;

import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.data.CharCorpus;
import dev.coxswain.trainer.data.CharWindowSource;
import dev.coxswain.trainer.model.CharGpt;
import dev.coxswain.trainer.model.GptConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The default workload: a character-level GPT (pre-LN decoder blocks) on a text corpus, by default
 * the US State of the Union addresses 1790-2021 with every tenth address held out for validation.
 *
 * @param corpus directory of .txt documents, or one text file
 * @param holdoutEvery every n-th document is validation text
 * @param batchSize sequences per batch
 * @param context characters per sequence
 * @param layers decoder blocks
 * @param embed embedding width
 * @param heads attention heads
 * @param validationBatches batches per evaluation
 * @param tokenizer "char" (one token per character) or "gpt2" (GPT-2's BPE via jtokkit)
 */
public record CharGptWorkload(
    Path corpus,
    int holdoutEvery,
    int batchSize,
    int context,
    int layers,
    int embed,
    int heads,
    int validationBatches,
    String tokenizer) {

  public CharGptWorkload {
    CharCorpus.Tokenizer.fromWire(tokenizer); // names the problem when it is neither
    if (holdoutEvery < 2) {
      throw new IllegalArgumentException("holdout_every must be >= 2, got " + holdoutEvery);
    }
    if (batchSize < 1 || context < 2 || validationBatches < 0) {
      throw new IllegalArgumentException(
          "batch_size >= 1, context >= 2 and validation_batches >= 0 are required");
    }
  }

  /**
   * 2 layers, width 128, 4 heads, 64 characters of context, batches of 32, on data/sotu (or
   * $COXSWAIN_DATA/sotu, where the launcher's fetch-corpus.sh puts it when that is set).
   */
  public static CharGptWorkload defaults() {
    String data = System.getenv().getOrDefault("COXSWAIN_DATA", "data");
    return new CharGptWorkload(Path.of(data, "sotu"), 10, 32, 64, 2, 128, 4, 16, "char");
  }

  public CharGptWorkload withCorpus(Path path) {
    return new CharGptWorkload(
        path, holdoutEvery, batchSize, context, layers, embed, heads, validationBatches, tokenizer);
  }

  /**
   * Loads the corpus and builds the model.
   *
   * @throws IOException naming the corpus path when it cannot be read
   */
  public Workload build(long seed) throws IOException {
    CharCorpus text =
        CharCorpus.load(corpus, holdoutEvery, CharCorpus.Tokenizer.fromWire(tokenizer));
    GptConfig g = new GptConfig(text.vocabSize(), context, layers, embed, heads);
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("model", "char-gpt (pre-LN)");
    d.put("vocab", g.vocab());
    d.put("tokenizer", tokenizer);
    d.put("context", context);
    d.put("layers", layers);
    d.put("embed", embed);
    d.put("heads", heads);
    return Workload.builder()
        .optName("char-gpt")
        .setBlock(new CharGpt(g))
        .setInputShape(new Shape(batchSize, context))
        .setLoss(Loss.softmaxCrossEntropyLoss())
        .setData(new CharWindowSource(text, batchSize, context, seed, validationBatches))
        .optDescription(d)
        .build();
  }
}
