package dev.coxswain.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
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
 * Stochastic gradient descent with momentum, heavy-ball or Nesterov, reading its knobs ({@code lr},
 * {@code weight_decay}, {@code momentum}) at every step and keeping its velocity by parameter NAME.
 *
 * <p>Per parameter w with gradient g (already multiplied by the clip scale), lr the {@code lr} knob
 * times the parameter group's multiplier, μ the momentum and wd the weight decay (L2, added to the
 * gradient as PyTorch's SGD does):
 *
 * <pre>
 *   d ← g + wd·w
 *   b ← μ·b + d                     (b starts at 0, so the first b is d)
 *   w ← w − lr·(d + μ·b)            Nesterov
 *   w ← w − lr·b                    heavy ball
 * </pre>
 *
 * With μ = 0 and no velocity yet, none is kept: plain SGD holds no state. Must be called inside an
 * {@link NDScope}: temporaries are freed when the scope closes.
 */
public final class Sgd implements Optimizer {
  private static final int MAGIC = 0x43585347; // "CXSG"
  private static final int VERSION = 1;

  private final NDManager stateManager;
  private final boolean nesterov;
  private final Map<String, NDArray> velocity = new HashMap<>();
  private long updates;

  /**
   * @param stateManager the long-lived manager that owns the velocity arrays
   * @param nesterov Nesterov's momentum instead of the heavy ball
   */
  public Sgd(NDManager stateManager, boolean nesterov) {
    this.stateManager = stateManager;
    this.nesterov = nesterov;
  }

  @Override
  public NDArray updateOnDevice(
      List<Slot> slots, Knobs.Snapshot knobs, double clipScale, boolean measureRatio) {
    double lr = knobs.get("lr");
    double wd = knobs.get("weight_decay");
    double mu = knobs.get("momentum");
    updates++;
    UpdateRatio ratio = measureRatio ? new UpdateRatio(slots.size()) : null;
    // in-place changes of a weight that autograd tracks are refused while gradients are recorded
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      for (Slot s : slots) {
        NDArray w = s.weight();
        NDArray before = measureRatio ? UpdateRatio.before(w) : null;
        NDArray d = s.grad().mul((float) clipScale);
        if (wd != 0) {
          d.addi(w.mul((float) wd));
        }
        NDArray b = mu > 0 ? velocity(s) : velocity.get(s.name());
        if (b != null) {
          b.muli((float) mu).addi(d);
          d = nesterov ? d.addi(b.mul((float) mu)) : b;
        }
        w.subi(d.mul((float) (lr * s.lrScale())));
        if (measureRatio) {
          ratio.add(before, w);
        }
      }
    } finally {
      JniUtils.setGradMode(grad);
    }
    return measureRatio ? ratio.onDevice() : null;
  }

  @Override
  public List<NDArray> stateFor(Slot slot, Knobs.Snapshot knobs) {
    NDArray b = knobs.get("momentum") > 0 ? velocity(slot) : velocity.get(slot.name());
    return b == null ? List.of() : List.of(b);
  }

  @Override
  public void takeBackSkipped() {
    updates--;
  }

  private NDArray velocity(Slot s) {
    NDArray a = velocity.get(s.name());
    if (a == null) {
      a = stateManager.zeros(s.weight().getShape(), s.weight().getDataType());
      NDScope.unregister(a); // lives as long as the optimizer, not the step
      velocity.put(s.name(), a);
    }
    return a;
  }

  /** Forgets the velocity of these parameters: their momentum starts again from zero. */
  @Override
  public int forget(Iterable<String> names) {
    int n = 0;
    for (String name : names) {
      NDArray b = velocity.remove(name);
      if (b != null) {
        b.close();
        n++;
      }
    }
    return n;
  }

  /** A copy of one parameter's velocity, or empty when it has none (tests). */
  public Optional<float[]> velocity(String name) {
    NDArray b = velocity.get(name);
    return b == null ? Optional.empty() : Optional.of(b.toFloatArray());
  }

  @Override
  public long updates() {
    return updates;
  }

  /** Writes the update count and every velocity, by name, in name order. */
  @Override
  public void save(DataOutputStream out) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeLong(updates);
    TreeMap<String, NDArray> names = new TreeMap<>(velocity);
    out.writeInt(names.size());
    for (Map.Entry<String, NDArray> e : names.entrySet()) {
      out.writeUTF(e.getKey());
      StateArrays.write(out, e.getValue());
    }
  }

  @Override
  public void load(DataInputStream in) throws IOException {
    if (in.readInt() != MAGIC) {
      throw new IOException(
          "not an SGD state file (bad magic number): was the checkpoint trained with another"
              + " optimizer?");
    }
    int version = in.readInt();
    if (version != VERSION) {
      throw new IOException("SGD state version " + version + " is not supported");
    }
    long t = in.readLong();
    int n = in.readInt();
    Map<String, NDArray> read = new HashMap<>();
    try {
      for (int i = 0; i < n; i++) {
        String name = in.readUTF();
        read.put(name, StateArrays.read(in, stateManager, "SGD"));
      }
    } catch (IOException | RuntimeException e) {
      read.values().forEach(NDArray::close); // a torn file: nothing kept, nothing leaked
      throw e;
    }
    clear();
    velocity.putAll(read);
    updates = t;
  }

  @Override
  public void clear() {
    velocity.values().forEach(NDArray::close);
    velocity.clear();
    updates = 0;
  }
}
