package dev.coxswain.trainer.data;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A tokenized corpus with a held-out validation split: one token per character by default, or
 * GPT-2's BPE ({@link Tokenizer#GPT2}, r50k_base through jtokkit, 50,257 tokens). Given a
 * directory, every file ending in .txt is a document and every {@code holdout}-th document (in name
 * order) is validation text; given one file, its last tenth is validation text.
 */
public final class CharCorpus {
  /** How text becomes token ids. */
  public enum Tokenizer {
    /** One token per distinct character of the corpus. */
    CHAR,
    /** GPT-2's byte-pair encoding (r50k_base), vocabulary 50,257. */
    GPT2;

    /** From the configuration's spelling: char or gpt2. */
    public static Tokenizer fromWire(String s) {
      return switch (s) {
        case "char" -> CHAR;
        case "gpt2" -> GPT2;
        default ->
            throw new IllegalArgumentException(
                "tokenizer must be 'char' or 'gpt2', got '" + s + "'");
      };
    }
  }

  /** GPT-2's vocabulary size. */
  public static final int GPT2_VOCAB = 50_257;

  private final char[] vocabulary;
  private final int[] index = new int[Character.MAX_VALUE + 1];
  private final short[] train;
  private final short[] validation;
  private final Map<String, Object> description;
  private String trainText; // kept only until a BPE encoding has read it
  private String validationText;

  private CharCorpus(String trainText, String valText, Map<String, Object> description) {
    TreeSet<Character> chars = new TreeSet<>();
    for (String s : List.of(trainText, valText)) {
      for (int i = 0; i < s.length(); i++) {
        chars.add(s.charAt(i));
      }
    }
    vocabulary = new char[chars.size()];
    int i = 0;
    for (char c : chars) {
      index[c] = i;
      vocabulary[i++] = c;
    }
    train = encode(trainText);
    validation = encode(valText);
    this.trainText = trainText;
    this.validationText = valText;
    this.description = description;
  }

  // GPT-2 BPE: ids up to 50,256 are kept as the low 16 bits of a short (read back with & 0xFFFF)
  private CharCorpus(short[] train, short[] validation, Map<String, Object> description) {
    this.vocabulary = new char[0];
    this.train = train;
    this.validation = validation;
    this.description = description;
  }

  private static short[] bpe(Encoding enc, String text) {
    IntArrayList ids = enc.encodeOrdinary(text);
    short[] out = new short[ids.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (short) ids.get(i);
    }
    return out;
  }

  /** The same text, tokenized by {@code tokenizer}. */
  public static CharCorpus load(Path path, int holdout, Tokenizer tokenizer) throws IOException {
    CharCorpus chars = load(path, holdout);
    if (tokenizer == Tokenizer.CHAR) {
      chars.trainText = null;
      chars.validationText = null;
      return chars;
    }
    Encoding enc = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    short[] tr = bpe(enc, chars.trainText);
    short[] va = bpe(enc, chars.validationText);
    Map<String, Object> d = new LinkedHashMap<>(chars.describe());
    d.put("tokenizer", "gpt2 (r50k_base)");
    d.put("train_tokens", tr.length);
    d.put("validation_tokens", va.length);
    return new CharCorpus(tr, va, d);
  }

  /** Builds a corpus from text in memory (tests, small examples). */
  public static CharCorpus of(String trainText, String valText) {
    return new CharCorpus(
        trainText, valText, Map.of("source", "memory", "train_chars", trainText.length()));
  }

  /**
   * Loads a directory of .txt documents or a single text file.
   *
   * @throws IOException with a message naming the path when it is missing, empty or unreadable
   */
  public static CharCorpus load(Path path, int holdout) throws IOException {
    if (!Files.exists(path)) {
      throw new NoSuchFileException(
          path.toString(),
          null,
          "corpus not found; run scripts/fetch-corpus.sh or pass a directory of .txt files");
    }
    if (Files.isDirectory(path)) {
      List<Path> docs;
      try (Stream<Path> s = Files.list(path)) {
        docs = s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
      }
      if (docs.size() < 2) {
        throw new IOException(
            "corpus directory " + path + " has " + docs.size() + " .txt files; need at least 2");
      }
      StringBuilder tr = new StringBuilder();
      StringBuilder va = new StringBuilder();
      List<String> valDocs = new ArrayList<>();
      for (int i = 0; i < docs.size(); i++) {
        String text = Files.readString(docs.get(i), StandardCharsets.UTF_8).strip() + "\n\n";
        if (i % holdout == holdout - 1) {
          va.append(text);
          valDocs.add(docs.get(i).getFileName().toString());
        } else {
          tr.append(text);
        }
      }
      return new CharCorpus(
          tr.toString(),
          va.toString(),
          Map.of(
              "source", path.toString(),
              "documents", docs.size(),
              "validation_documents", valDocs.size(),
              "holdout_every", holdout,
              "train_chars", tr.length(),
              "validation_chars", va.length()));
    }
    String text = Files.readString(path, StandardCharsets.UTF_8);
    if (text.length() < 100) {
      throw new IOException("corpus file " + path + " is too small (" + text.length() + " chars)");
    }
    int cut = text.length() - text.length() / 10;
    return new CharCorpus(
        text.substring(0, cut),
        text.substring(cut),
        Map.of(
            "source",
            path.toString(),
            "train_chars",
            cut,
            "validation_chars",
            text.length() - cut));
  }

  private short[] encode(String s) {
    short[] out = new short[s.length()];
    for (int i = 0; i < s.length(); i++) {
      out[i] = (short) index[s.charAt(i)];
    }
    return out;
  }

  public int vocabSize() {
    return vocabulary.length == 0 ? GPT2_VOCAB : vocabulary.length;
  }

  /** The token id at position {@code i} of a split (ids are unsigned 16-bit). */
  public static int token(short[] split, int i) {
    return split[i] & 0xFFFF;
  }

  /** The characters, in token-id order; empty for GPT-2 BPE. */
  public String vocabulary() {
    return new String(vocabulary);
  }

  public short[] train() {
    return train;
  }

  public short[] validation() {
    return validation;
  }

  public Map<String, Object> describe() {
    return description;
  }
}
