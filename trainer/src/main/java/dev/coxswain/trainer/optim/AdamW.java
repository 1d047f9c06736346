package dev.coxswain.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.coxswain.trainer.control.Knobs;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * AdamW (decoupled weight decay) that reads its knobs at every step and keeps its moments by
 * parameter NAME, so its state survives a checkpoint and a new model instance. DJL's built-in
 * optimizers can do neither: weight decay is fixed at build time and their state is private and
 * keyed by per-instance ids.
 *
 * <p>Per parameter w with gradient g (already multiplied by the clip scale), at update t, with lr
 * the {@code lr} knob times the parameter group's multiplier:
 *
 * <pre>
 *   w ← w·(1 − lr·wd)
 *   m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
 *   w ← w − lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + eps)
 * </pre>
 *
 * The update runs in the PyTorch engine's fused Adam kernel (one native call per parameter; unlike
 * DJL's own {@code adamUpdate} wrapper, it leaves the gradient as it is: the caller zeroes it).
 * Must be called inside an {@link NDScope}: temporaries are freed when the scope closes.
 */
public final class AdamW implements Optimizer {
  private static final int MAGIC = 0x43584157; // "CXAW"
  private static final int VERSION = 1;
  private static final int VERSION_WITH_RESETS = 2; // written only once a parameter was reset

  private final NDManager stateManager;
  private final Map<String, NDArray> first = new HashMap<>();
  private final Map<String, NDArray> second = new HashMap<>();
  // t at which a parameter's state was forgotten: its own t counts from there, as a fresh Adam's
  private final Map<String, Long> forgottenAt = new HashMap<>();
  private long updates;

  /**
   * @param stateManager the long-lived manager that owns the moment arrays
   */
  public AdamW(NDManager stateManager) {
    this.stateManager = stateManager;
  }

  @Override
  public NDArray updateOnDevice(
      List<Slot> slots, Knobs.Snapshot knobs, double clipScale, boolean measureRatio) {
    double lr = knobs.get("lr");
    double wd = knobs.get("weight_decay");
    double b1 = knobs.get("beta1");
    double b2 = knobs.get("beta2");
    double eps = knobs.get("eps");
    updates++;
    double bc1 = 1 - Math.pow(b1, updates);
    double bc2 = 1 - Math.pow(b2, updates);
    UpdateRatio ratio = measureRatio ? new UpdateRatio(slots.size()) : null;
    // The engine's fused kernel computes lr*sqrt(bc2)/bc1 * m / (sqrt(v) + eps'); with
    // eps' = eps*sqrt(bc2) that is exactly lr * m_hat / (sqrt(v_hat) + eps).
    float epsScaled = (float) (eps * Math.sqrt(bc2));
    for (Slot s : slots) {
      NDArray w = s.weight();
      NDArray before = measureRatio ? UpdateRatio.before(w) : null;
      double lrGroup = lr * s.lrScale(); // exactly lr outside a group
      Long since = forgottenAt.get(s.name());
      float lrSlot = (float) (lrGroup * Math.sqrt(bc2) / bc1);
      float epsSlot = epsScaled;
      if (since != null) {
        long t = updates - since;
        double c1 = 1 - Math.pow(b1, t);
        double c2 = 1 - Math.pow(b2, t);
        lrSlot = (float) (lrGroup * Math.sqrt(c2) / c1);
        epsSlot = (float) (eps * Math.sqrt(c2));
      }
      JniUtils.adamUpdate(
          (PtNDArray) w,
          (PtNDArray) s.grad(),
          (PtNDArray) state(first, s),
          (PtNDArray) state(second, s),
          (float) lrGroup,
          lrSlot,
          (float) wd,
          (float) clipScale,
          -1f, // no element-wise clamp: clipping is by global norm, through clipScale
          (float) b1,
          (float) b2,
          epsSlot,
          true);
      if (measureRatio) {
        ratio.add(before, w);
      }
    }
    return measureRatio ? ratio.onDevice() : null;
  }

  @Override
  public List<NDArray> stateFor(Slot slot, Knobs.Snapshot knobs) {
    return List.of(state(first, slot), state(second, slot));
  }

  @Override
  public void takeBackSkipped() {
    updates--;
  }

  private NDArray state(Map<String, NDArray> map, Slot s) {
    NDArray a = map.get(s.name());
    if (a == null) {
      a = stateManager.zeros(s.weight().getShape(), s.weight().getDataType());
      NDScope.unregister(a); // lives as long as the optimizer, not the step
      map.put(s.name(), a);
    }
    return a;
  }

  /**
   * Forgets the moments of these parameters, as if they were new to the optimizer: their moments
   * start again from zero and their bias correction from t = 1. Every other parameter keeps its
   * state.
   *
   * @return how many of them had state
   */
  @Override
  public int forget(Iterable<String> names) {
    int n = 0;
    for (String name : names) {
      NDArray m = first.remove(name);
      NDArray v = second.remove(name);
      if (m != null) {
        m.close();
        n++;
      }
      if (v != null) {
        v.close();
      }
      forgottenAt.put(name, updates);
    }
    return n;
  }

  /** Copies of one parameter's first and second moments, or empty when it has none (tests). */
  public Optional<float[][]> moments(String name) {
    NDArray m = first.get(name);
    return m == null
        ? Optional.empty()
        : Optional.of(new float[][] {m.toFloatArray(), second.get(name).toFloatArray()});
  }

  /** Number of updates applied so far (Adam's t). */
  @Override
  public long updates() {
    return updates;
  }

  /** Writes t and both moments of every parameter, by name, in name order. */
  @Override
  public void save(DataOutputStream out) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(forgottenAt.isEmpty() ? VERSION : VERSION_WITH_RESETS);
    out.writeLong(updates);
    TreeMap<String, NDArray> names = new TreeMap<>(first);
    out.writeInt(names.size());
    for (String name : names.keySet()) {
      out.writeUTF(name);
      StateArrays.write(out, first.get(name));
      StateArrays.write(out, second.get(name));
    }
    if (!forgottenAt.isEmpty()) {
      TreeMap<String, Long> resets = new TreeMap<>(forgottenAt);
      out.writeInt(resets.size());
      for (Map.Entry<String, Long> e : resets.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue());
      }
    }
  }

  /** Replaces the whole state with what {@link #save} wrote. */
  @Override
  public void load(DataInputStream in) throws IOException {
    if (in.readInt() != MAGIC) {
      throw new IOException("not an AdamW state file (bad magic number)");
    }
    int version = in.readInt();
    if (version != VERSION && version != VERSION_WITH_RESETS) {
      throw new IOException("AdamW state version " + version + " is not supported");
    }
    long t = in.readLong();
    int n = in.readInt();
    Map<String, NDArray> m = new HashMap<>();
    Map<String, NDArray> v = new HashMap<>();
    Map<String, Long> resets = new HashMap<>();
    try {
      for (int i = 0; i < n; i++) {
        String name = in.readUTF();
        m.put(name, StateArrays.read(in, stateManager, "AdamW"));
        v.put(name, StateArrays.read(in, stateManager, "AdamW"));
      }
      if (version == VERSION_WITH_RESETS) {
        int r = in.readInt();
        for (int i = 0; i < r; i++) {
          resets.put(in.readUTF(), in.readLong());
        }
      }
    } catch (IOException | RuntimeException e) {
      // a torn file: what was read so far is not kept, nor leaked
      m.values().forEach(NDArray::close);
      v.values().forEach(NDArray::close);
      throw e;
    }
    clear();
    first.putAll(m);
    second.putAll(v);
    forgottenAt.putAll(resets);
    updates = t;
  }

  /** Forgets all moments (a fresh optimizer). */
  @Override
  public void clear() {
    first.values().forEach(NDArray::close);
    second.values().forEach(NDArray::close);
    first.clear();
    second.clear();
    forgottenAt.clear();
    updates = 0;
  }
}
