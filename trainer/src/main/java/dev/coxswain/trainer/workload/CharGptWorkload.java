package dev.coxswain.trainer.workload;

import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.data.CharCorpus;
import dev.coxswain.trainer.data.CharWindowSource;
import dev.coxswain.trainer.data.MixtureSource;
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
 * @param sources null for one corpus; else named sources inside the {@code corpus} directory (name
 *     -> a directory, a file or a glob), sampled by weight ({@link MixtureSource}, char tokens)
 * @param weights the sources' starting weights (a source left out starts at 1), or null
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
    String tokenizer,
    Map<String, String> sources,
    Map<String, Double> weights) {

  /** One corpus, no named sources. */
  public CharGptWorkload(
      Path corpus,
      int holdoutEvery,
      int batchSize,
      int context,
      int layers,
      int embed,
      int heads,
      int validationBatches,
      String tokenizer) {
    this(
        corpus,
        holdoutEvery,
        batchSize,
        context,
        layers,
        embed,
        heads,
        validationBatches,
        tokenizer,
        null,
        null);
  }

  public CharGptWorkload {
    CharCorpus.Tokenizer.fromWire(tokenizer); // names the problem when it is neither
    if (holdoutEvery < 2) {
      throw new IllegalArgumentException("holdout_every must be >= 2, got " + holdoutEvery);
    }
    if (batchSize < 1 || context < 2 || validationBatches < 0) {
      throw new IllegalArgumentException(
          "batch_size >= 1, context >= 2 and validation_batches >= 0 are required");
    }
    if (sources != null && !tokenizer.equals("char")) {
      throw new IllegalArgumentException(
          "data.sources works with the char tokenizer only, not '" + tokenizer + "'");
    }
    if (sources != null && sources.isEmpty()) {
      throw new IllegalArgumentException("data.sources is empty: name at least one source");
    }
    if (weights != null && sources == null) {
      throw new IllegalArgumentException("data.weights needs data.sources to weigh");
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

  /** The preset names {@link #preset} knows: the default, and GPT-2 small's shape. */
  public static final java.util.List<String> PRESETS = java.util.List.of("char", "gpt2-small");

  /**
   * GPT-2 small's shape (Radford et al. 2019): 12 layers, width 768, 12 heads, 1,024 tokens of
   * context, GPT-2's BPE (50,257 tokens), batches of 8 sequences (8,192 tokens), on the default
   * corpus. Unlike GPT-2 the output layer is not tied to the token embedding (163 M parameters
   * instead of 124 M). Meant for a GPU: on two CPU cores a step takes minutes.
   */
  public static CharGptWorkload gpt2Small() {
    CharGptWorkload d = defaults();
    return new CharGptWorkload(d.corpus(), 10, 8, 1024, 12, 768, 12, 16, "gpt2");
  }

  /**
   * A preset by name: {@code char} ({@link #defaults}) or {@code gpt2-small} ({@link #gpt2Small}).
   *
   * @throws IllegalArgumentException naming the preset and the known ones
   */
  public static CharGptWorkload preset(String name) {
    return switch (name) {
      case "char" -> defaults();
      case "gpt2-small" -> gpt2Small();
      default ->
          throw new IllegalArgumentException(
              "unknown model preset '"
                  + name
                  + "'; the presets are: "
                  + String.join(", ", PRESETS));
    };
  }

  /** The same data and tokenizer with a model of another size (a preset made small, say). */
  public CharGptWorkload withModel(int layersValue, int embedValue, int headsValue, int ctx) {
    return new CharGptWorkload(
        corpus,
        holdoutEvery,
        batchSize,
        ctx,
        layersValue,
        embedValue,
        headsValue,
        validationBatches,
        tokenizer,
        sources,
        weights);
  }

  public CharGptWorkload withCorpus(Path path) {
    return new CharGptWorkload(
        path,
        holdoutEvery,
        batchSize,
        context,
        layers,
        embed,
        heads,
        validationBatches,
        tokenizer,
        sources,
        weights);
  }

  /**
   * Loads the corpus and builds the model.
   *
   * @throws IOException naming the corpus path when it cannot be read
   */
  public Workload build(long seed) throws IOException {
    if (sources != null) {
      return mixture(seed);
    }
    CharCorpus text =
        CharCorpus.load(corpus, holdoutEvery, CharCorpus.Tokenizer.fromWire(tokenizer));
    GptConfig g = new GptConfig(text.vocabSize(), context, layers, embed, heads);
    return Workload.builder()
        .optName("char-gpt")
        .optKind(Workload.Kind.LANGUAGE_MODEL)
        .setBlock(new CharGpt(g))
        .setInputShape(new Shape(batchSize, context))
        .setLoss(Loss.softmaxCrossEntropyLoss())
        .setData(new CharWindowSource(text, batchSize, context, seed, validationBatches))
        .optDescription(describe(g))
        .build();
  }

  /** The same model on named sources of the corpus directory, mixed by weight. */
  private Workload mixture(long seed) throws IOException {
    MixtureSource data =
        new MixtureSource(
            corpus,
            sources,
            weights == null ? Map.of() : weights,
            batchSize,
            context,
            seed,
            holdoutEvery,
            validationBatches);
    GptConfig g = new GptConfig(data.vocabSize(), context, layers, embed, heads);
    return Workload.builder()
        .optName("char-gpt")
        .optKind(Workload.Kind.LANGUAGE_MODEL)
        .setBlock(new CharGpt(g))
        .setInputShape(new Shape(batchSize, context))
        .setLoss(Loss.softmaxCrossEntropyLoss())
        .setData(data)
        .optDescription(describe(g))
        .build();
  }

  private Map<String, Object> describe(GptConfig g) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("model", "char-gpt (pre-LN)");
    d.put("vocab", g.vocab());
    d.put("tokenizer", tokenizer);
    d.put("context", context);
    d.put("layers", layers);
    d.put("embed", embed);
    d.put("heads", heads);
    return d;
  }
}
