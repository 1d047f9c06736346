package dev.coxswain.trainer.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.coxswain.trainer.InteractiveTrainer;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.data.CharCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default workload on the real State of the Union corpus (fetched by the build). */
class DefaultWorkloadTest {
  @TempDir Path dir;

  @Test
  void threeHundredStepsAtASensibleLrLowerValidationLossClearly() throws Exception {
    Path corpus = Path.of(System.getProperty("coxswain.corpus", "data/sotu"));
    assertTrue(
        Files.isDirectory(corpus), "corpus missing at " + corpus + ": run scripts/fetch-corpus.sh");
    Workload w = CharGptWorkload.defaults().withCorpus(corpus).build(42);
    TrainerConfig c =
        TrainerConfig.builder()
            .optMaxSteps(300)
            .optLr(1e-3)
            .optEvalEvery(100)
            .optCheckpointEvery(0)
            .build();
    long t0 = System.nanoTime();
    try (InteractiveTrainer t = InteractiveTrainer.builder(w, c).optRunDir(dir).build()) {
      RunOutcome end = t.run();
      System.out.printf(
          Locale.ROOT,
          "default workload, 300 steps at lr 1e-3: validation loss %.4f -> %.4f, train loss %.4f, %.1f s%n",
          end.initialValidationLoss(),
          end.validationLoss(),
          end.trainLoss(),
          (System.nanoTime() - t0) / 1e9);
      assertEquals("finished", end.status());
      assertEquals(0, end.skippedSteps());
      assertTrue(
          end.validationLoss() < end.initialValidationLoss() - 2.0,
          "validation loss should fall by more than 2 nats: "
              + end.initialValidationLoss()
              + " -> "
              + end.validationLoss());
      assertEquals(233, ((Number) w.data().describe().get("documents")).intValue());
    }
  }

  @Test
  void gpt2BpeTokensTrainTheSameModelOnTheSameText() throws Exception {
    Path corpus = Path.of(System.getProperty("coxswain.corpus", "data/sotu"));
    CharCorpus bpe = CharCorpus.load(corpus, 10, CharCorpus.Tokenizer.GPT2);
    CharCorpus chars = CharCorpus.load(corpus, 10, CharCorpus.Tokenizer.CHAR);
    assertEquals(CharCorpus.GPT2_VOCAB, bpe.vocabSize());
    int max = 0;
    for (int i = 0; i < bpe.train().length; i++) {
      max = Math.max(max, CharCorpus.token(bpe.train(), i));
    }
    assertTrue(max >= 32_768 && max < CharCorpus.GPT2_VOCAB, "ids above 32767 survive: " + max);
    // the tokens decode back to the very text the character corpus holds
    Encoding enc = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    IntArrayList head = new IntArrayList();
    for (int i = 0; i < 2000; i++) {
      head.add(CharCorpus.token(bpe.train(), i));
    }
    String decoded = enc.decode(head);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < decoded.length(); i++) {
      text.append(chars.vocabulary().charAt(CharCorpus.token(chars.train(), i)));
    }
    assertEquals(text.toString(), decoded);
    double ratio = (double) chars.train().length / bpe.train().length;
    System.out.printf(
        Locale.ROOT,
        "gpt2 BPE: %,d train tokens (%,d characters, %.2f characters per token), largest id %d%n",
        bpe.train().length,
        chars.train().length,
        ratio,
        max);
    assertTrue(ratio > 3 && ratio < 6, "English BPE packs 3-6 characters a token: " + ratio);

    // a small GPT learns from BPE tokens: validation loss starts near ln(50257) and falls
    Workload w = new CharGptWorkload(corpus, 10, 8, 32, 1, 64, 2, 4, "gpt2").build(7);
    TrainerConfig c =
        TrainerConfig.builder()
            .optMaxSteps(60)
            .optLr(3e-3)
            .optEvalEvery(60)
            .optCheckpointEvery(0)
            .build();
    try (InteractiveTrainer t = InteractiveTrainer.builder(w, c).optRunDir(dir).build()) {
      RunOutcome end = t.run();
      System.out.printf(
          Locale.ROOT,
          "gpt2 BPE, 1 layer d64, 60 steps: validation loss %.3f -> %.3f%n",
          end.initialValidationLoss(),
          end.validationLoss());
      assertEquals(Math.log(CharCorpus.GPT2_VOCAB), end.initialValidationLoss(), 0.5);
      assertTrue(
          end.validationLoss() < end.initialValidationLoss() - 2.0,
          end.initialValidationLoss() + " -> " + end.validationLoss());
    }
  }
}
