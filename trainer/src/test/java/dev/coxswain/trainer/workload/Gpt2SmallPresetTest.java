package dev.coxswain.trainer.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.trainer.InteractiveTrainer;
import dev.coxswain.trainer.RunOutcome;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.data.CharCorpus;
import dev.coxswain.trainer.model.CharGpt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPT-2 small's shape as a preset of the default workload, trained here at a reduced size. */
class Gpt2SmallPresetTest {
  @TempDir Path dir;

  @Test
  void thePresetIsGpt2SmallsShapeWithGpt2sBpeAndTheDefaultStaysCharacterLevel() throws Exception {
    CharGptWorkload g = CharGptWorkload.preset("gpt2-small");
    assertEquals(
        List.of(12, 768, 12, 1024, "gpt2"),
        List.of(g.layers(), g.embed(), g.heads(), g.context(), g.tokenizer()));
    assertEquals(CharGptWorkload.defaults(), CharGptWorkload.preset("char"));
    assertEquals("char", CharGptWorkload.defaults().tokenizer());
    assertEquals(2, CharGptWorkload.defaults().layers());
    IllegalArgumentException bad =
        assertThrows(IllegalArgumentException.class, () -> CharGptWorkload.preset("gpt2-xl"));
    assertTrue(bad.getMessage().contains("'gpt2-xl'"), bad.getMessage());
    assertTrue(bad.getMessage().contains("char, gpt2-small"), bad.getMessage());
  }

  @Test
  void gpt2sBpeLoadsOfflineFromTheClasspathWithGpt2sTokenIds() throws Exception {
    Path text = dir.resolve("hello.txt");
    Files.writeString(text, "Hello world" + " and more words to pass a hundred.".repeat(4));
    CharCorpus bpe = CharCorpus.load(text, 10, CharCorpus.Tokenizer.GPT2);
    // GPT-2's own ids: "Hello" 15496, " world" 995
    assertArrayEquals(
        new int[] {15496, 995},
        new int[] {CharCorpus.token(bpe.train(), 0), CharCorpus.token(bpe.train(), 1)});
    assertEquals(50_257, bpe.vocabSize());
  }

  @Test
  void thePresetMadeSmallTrainsOnTheCpuAndItsLossFalls() throws Exception {
    Path corpus = Path.of(getClass().getResource("/tiny-corpus").toURI());
    CharGptWorkload g = CharGptWorkload.preset("gpt2-small").withModel(2, 64, 4, 64);
    // four documents: every fourth one is validation text
    Workload w =
        new CharGptWorkload(
                corpus,
                4,
                g.batchSize(),
                g.context(),
                g.layers(),
                g.embed(),
                g.heads(),
                4,
                g.tokenizer())
            .build(3);
    CharGpt gpt = (CharGpt) w.block();
    assertEquals(CharCorpus.GPT2_VOCAB, gpt.config().vocab(), "the BPE vocabulary, not characters");
    assertEquals(CharCorpus.GPT2_VOCAB, w.description().get("vocab"));
    assertEquals("gpt2", w.description().get("tokenizer"));
    TrainerConfig c =
        TrainerConfig.builder()
            .optMaxSteps(12)
            .optLr(3e-3)
            .optEvalEvery(12)
            .optCheckpointEvery(0)
            .optCheckpointAtEnd(false)
            .build();
    try (InteractiveTrainer t = InteractiveTrainer.builder(w, c).optRunDir(dir).build()) {
      RunOutcome end = t.run();
      System.out.printf(
          Locale.ROOT,
          "gpt2-small preset at 2 layers d64 context 64, %,d parameters, 12 steps: validation loss"
              + " %.3f -> %.3f, train loss %.3f%n",
          t.parameterCount(),
          end.initialValidationLoss(),
          end.validationLoss(),
          end.trainLoss());
      assertEquals("finished", end.status());
      assertEquals(Math.log(CharCorpus.GPT2_VOCAB), end.initialValidationLoss(), 0.5);
      assertTrue(
          end.validationLoss() < end.initialValidationLoss() - 0.5,
          end.initialValidationLoss() + " -> " + end.validationLoss());
    }
  }
}
