package dev.coxswain.trainer.model;

/**
 * Size of a character-level GPT.
 *
 * @param vocab number of distinct tokens
 * @param context tokens per sequence
 * @param layers decoder blocks
 * @param embed embedding width
 * @param heads attention heads (must divide {@code embed})
 */
public record GptConfig(int vocab, int context, int layers, int embed, int heads) {
  public GptConfig {
    if (vocab < 2 || context < 1 || layers < 1 || embed < 1 || heads < 1) {
      throw new IllegalArgumentException("GPT sizes must be positive (vocab >= 2): " + this);
    }
    if (embed % heads != 0) {
      throw new IllegalArgumentException(
          "embed (" + embed + ") must be divisible by heads (" + heads + ")");
    }
  }
}
