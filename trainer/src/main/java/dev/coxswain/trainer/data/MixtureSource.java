package dev.coxswain.trainer.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.coxswain.protocol.Action;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Character windows from several named sources of one data directory, each sampled with a weight.
 * Element b of step s's batch picks its source from (seed, s, b) against the weights in force, then
 * its window from (seed, s, b) within that source, so the batch of a step is a pure function of
 * (seed, s, weights, loaded data). Every source holds out every {@code holdout}-th document (in
 * name order; a one-file source its last tenth) for validation; evaluation draws the same number of
 * batches from each source, so each has its own validation loss. The vocabulary is every character
 * of every .txt file in the data directory when the source is made; a character that appears only
 * in a file added later is read as a space (counted in the reload's description).
 */
public final class MixtureSource implements MixableSource {
  private static final long SOURCE_SALT = 0x5DEECE66DL;

  /** One source as loaded. */
  private record Loaded(
      String name, String path, List<SourceFiles.TextFile> files, short[] train, short[] val) {}

  private final Path dataDir;
  private final int batchSize;
  private final int context;
  private final long seed;
  private final int holdout;
  private final int validationPerSource;
  private final char[] vocabulary;
  private final int[] index = new int[Character.MAX_VALUE + 1];
  private final int space;
  private final LinkedHashMap<String, Loaded> sources = new LinkedHashMap<>();
  private final LinkedHashMap<String, Double> weights = new LinkedHashMap<>();
  private int unmapped;

  /**
   * @param sources name -> path inside {@code dataDir} (a directory, a file or a glob), in order
   * @param weights name -> starting weight; a source left out starts at 1
   */
  public MixtureSource(
      Path dataDir,
      Map<String, String> sources,
      Map<String, Double> weights,
      int batchSize,
      int context,
      long seed,
      int holdout,
      int validationPerSource)
      throws IOException {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("a mixture needs at least one source");
    }
    this.dataDir = dataDir;
    this.batchSize = batchSize;
    this.context = context;
    this.seed = seed;
    this.holdout = holdout;
    this.validationPerSource = validationPerSource;
    TreeSet<Character> chars = new TreeSet<>(List.of(' '));
    for (Path f : SourceFiles.allText(dataDir)) {
      String t = Files.readString(f);
      for (int i = 0; i < t.length(); i++) {
        chars.add(t.charAt(i));
      }
    }
    vocabulary = new char[chars.size()];
    int i = 0;
    for (char c : chars) {
      index[c] = i;
      vocabulary[i++] = c;
    }
    space = index[' '];
    for (Map.Entry<String, String> e : sources.entrySet()) {
      this.sources.put(e.getKey(), load(e.getKey(), e.getValue()));
      this.weights.put(e.getKey(), 1.0);
    }
    String problem = checkWeights(weights);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    this.weights.putAll(weights);
  }

  public int vocabSize() {
    return vocabulary.length;
  }

  private Loaded load(String name, String path) throws IOException {
    List<SourceFiles.TextFile> files = SourceFiles.read(dataDir, path);
    StringBuilder tr = new StringBuilder();
    StringBuilder va = new StringBuilder();
    if (files.size() == 1) {
      String t = files.get(0).text();
      int cut = t.length() - t.length() / 10;
      tr.append(t, 0, cut);
      va.append(t, cut, t.length());
    } else {
      for (int i = 0; i < files.size(); i++) {
        String t = files.get(i).text().strip() + "\n\n";
        (i % holdout == holdout - 1 ? va : tr).append(t);
      }
    }
    short[] train = encode(tr);
    if (train.length <= context + 1) {
      throw new IllegalArgumentException(
          "source '"
              + name
              + "' ("
              + path
              + ") has "
              + train.length
              + " training characters;"
              + " it needs more than the context of "
              + context);
    }
    return new Loaded(name, path, files, train, encode(va));
  }

  private short[] encode(CharSequence s) {
    short[] out = new short[s.length()];
    for (int i = 0; i < out.length; i++) {
      char c = s.charAt(i);
      int id = index[c];
      if (id == 0 && vocabulary[0] != c) {
        id = space;
        unmapped++;
      }
      out[i] = (short) id;
    }
    return out;
  }

  // --- sampling ---

  /** The sources sampled now, in order, with their cumulative weights. */
  private record Active(List<Loaded> sources, double[] cumulative, double total) {
    /** The source of one batch element: a pure function of (seed, counter, the weights). */
    Loaded pick(long seed, long counter) {
      double u = (SplitMix64.mix(seed ^ SOURCE_SALT, counter) >>> 11) * 0x1.0p-53 * total;
      int k = 0;
      while (k < sources.size() - 1 && u >= cumulative[k]) {
        k++;
      }
      return sources.get(k);
    }
  }

  private Active active() {
    List<Loaded> active = new ArrayList<>();
    double[] cumulative = new double[sources.size()];
    double total = 0;
    for (Loaded l : sources.values()) {
      double w = weights.get(l.name());
      if (w > 0) {
        total += w;
        cumulative[active.size()] = total;
        active.add(l);
      }
    }
    return new Active(active, cumulative, total);
  }

  @Override
  public Batch trainBatch(NDManager manager, long step) {
    Active active = active();
    long[] x = new long[batchSize * context];
    long[] y = new long[batchSize * context];
    for (int b = 0; b < batchSize; b++) {
      long counter = step * batchSize + b;
      short[] text = active.pick(seed, counter).train();
      long offset = SplitMix64.below(seed, counter, text.length - context - 1);
      window(text, (int) offset, b, x, y);
    }
    return batch(manager, x, y);
  }

  /** Which source element {@code b} of step {@code step}'s batch comes from (for tests, counts). */
  public String sourceOf(long step, int b) {
    return active().pick(seed, step * batchSize + b).name();
  }

  private void window(short[] text, int o, int b, long[] x, long[] y) {
    for (int t = 0; t < context; t++) {
      x[b * context + t] = CharCorpus.token(text, o + t);
      y[b * context + t] = CharCorpus.token(text, o + t + 1);
    }
  }

  private Batch batch(NDManager manager, long[] x, long[] y) {
    return new Batch(
        new NDList(manager.create(x, new Shape(batchSize, context))),
        new NDList(manager.create(y, new Shape((long) batchSize * context))),
        (long) batchSize * context);
  }

  private List<Loaded> validated() {
    return sources.values().stream().filter(l -> l.val().length > context + 1).toList();
  }

  @Override
  public int validationBatches() {
    return validated().size() * validationPerSource;
  }

  @Override
  public Batch validationBatch(NDManager manager, int index) {
    Loaded l = validated().get(index / validationPerSource);
    int i = index % validationPerSource;
    long span = l.val().length - context - 1;
    long totalWindows = (long) validationPerSource * batchSize;
    long[] x = new long[batchSize * context];
    long[] y = new long[batchSize * context];
    for (int b = 0; b < batchSize; b++) {
      long offset = ((long) i * batchSize + b) * span / Math.max(1, totalWindows);
      window(l.val(), (int) offset, b, x, y);
    }
    return batch(manager, x, y);
  }

  @Override
  public String validationSource(int index) {
    return validated().get(index / validationPerSource).name();
  }

  // --- weights ---

  @Override
  public Map<String, Double> weights() {
    return new LinkedHashMap<>(weights);
  }

  @Override
  public String checkWeights(Map<String, Double> w) {
    for (String name : w.keySet()) {
      if (!sources.containsKey(name)) {
        return "unknown data source '" + name + "'; the sources are " + sources.keySet();
      }
    }
    Map<String, Double> next = new LinkedHashMap<>(weights);
    next.putAll(w);
    for (Map.Entry<String, Double> e : next.entrySet()) {
      if (!(e.getValue() >= 0) || Double.isInfinite(e.getValue())) {
        return "the weight of '" + e.getKey() + "' must be a finite number >= 0";
      }
    }
    if (next.values().stream().noneMatch(v -> v > 0)) {
      return "every weight would be zero: nothing would be sampled";
    }
    return null;
  }

  @Override
  public void setWeights(Map<String, Double> w) {
    String problem = checkWeights(w);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    weights.putAll(w);
  }

  // --- reloading ---

  private record Prepared(LinkedHashMap<String, Loaded> next, List<String> read) implements Reload {
    @Override
    public Map<String, Object> describe() {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("reloaded", read);
      d.put("sources", next.values().stream().map(MixtureSource::describe).toList());
      return d;
    }
  }

  @Override
  public Reload prepare(List<Action.DataSource> requested) throws IOException {
    LinkedHashMap<String, Loaded> next = new LinkedHashMap<>(sources);
    List<String> read = new ArrayList<>();
    List<Action.DataSource> todo =
        requested.isEmpty()
            ? sources.keySet().stream().map(n -> new Action.DataSource(n, null)).toList()
            : requested;
    for (Action.DataSource s : todo) {
      String path = s.path();
      if (path == null) {
        Loaded old = sources.get(s.name());
        if (old == null) {
          throw new IllegalArgumentException(
              "unknown data source '"
                  + s.name()
                  + "'; the sources are "
                  + sources.keySet()
                  + " (a new one needs a path)");
        }
        path = old.path();
      }
      next.put(s.name(), load(s.name(), path));
      read.add(s.name());
    }
    return new Prepared(next, read);
  }

  @Override
  public Map<String, Object> apply(Reload reload) {
    Prepared p = (Prepared) reload;
    sources.clear();
    sources.putAll(p.next());
    for (String name : sources.keySet()) {
      weights.putIfAbsent(name, 0.0); // a new source waits for a weight: set_data_mixture
    }
    Map<String, Object> d = p.describe();
    d.put("weights", weights());
    return d;
  }

  @Override
  public long epochEnd(long step) {
    long tokens = 0;
    for (Loaded l : sources.values()) {
      if (weights.get(l.name()) > 0) {
        tokens += l.train().length;
      }
    }
    long perEpoch = Math.max(1, tokens / ((long) batchSize * context));
    return ((Math.max(step, 1) + perEpoch - 1) / perEpoch) * perEpoch;
  }

  // --- description and restore ---

  private static Map<String, Object> describe(Loaded l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", l.name());
    m.put("path", l.path());
    m.put(
        "files",
        l.files().stream().map(f -> Map.of("file", f.file(), "sha256", f.sha256())).toList());
    m.put("train_chars", l.train().length);
    m.put("validation_chars", l.val().length);
    return m;
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("kind", "mixture");
    d.put("data_dir", dataDir.toString());
    d.put("vocab", vocabulary.length);
    d.put("batch_size", batchSize);
    d.put("context", context);
    d.put("seed", seed);
    d.put("holdout_every", holdout);
    d.put("validation_batches_per_source", validationPerSource);
    d.put("weights", weights());
    d.put("sources", sources.values().stream().map(MixtureSource::describe).toList());
    d.put("unmapped_chars", unmapped);
    return d;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void restore(Map<String, Object> description) throws IOException {
    if (!(description.get("sources") instanceof List<?> list)) {
      throw new IOException("the checkpoint records no data sources");
    }
    LinkedHashMap<String, Loaded> next = new LinkedHashMap<>();
    for (Object o : list) {
      Map<String, Object> s = (Map<String, Object>) o;
      String name = String.valueOf(s.get("name"));
      Loaded l = load(name, String.valueOf(s.get("path")));
      List<Map<String, Object>> files = (List<Map<String, Object>>) s.get("files");
      List<String> want = files.stream().map(f -> f.get("file") + " " + f.get("sha256")).toList();
      List<String> have = l.files().stream().map(f -> f.file() + " " + f.sha256()).toList();
      if (!want.equals(have)) {
        throw new IOException(
            "data source '"
                + name
                + "' changed since the checkpoint: it recorded "
                + want
                + ", the data directory now has "
                + have);
      }
      next.put(name, l);
    }
    sources.clear();
    sources.putAll(next);
    weights.clear();
    ((Map<String, Object>) description.get("weights"))
        .forEach((k, v) -> weights.put(k, ((Number) v).doubleValue()));
  }
}
