package dev.coxswain.trainer.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.Map;

/**
 * The additive causal masks of one model, made once per device and sequence length and shared by
 * every attention layer: 0 on and below the diagonal, a large negative number above it. Uploading
 * the mask in every forward pass of every layer was a blocking host-to-device copy each time (on a
 * GPU, 12 layers of GPT-2 small: 12 copies of 4 MiB a step). The masks live on a manager under the
 * model's own ({@link #ownedBy}), so they are freed with the model.
 */
public final class CausalMasks {
  private final Map<Key, NDArray> masks = new HashMap<>();
  private NDManager owner;

  private record Key(Device device, int length) {}

  /** The masks now belong under {@code modelManager} (the one the model is initialized on). */
  synchronized void ownedBy(NDManager modelManager) {
    masks.clear(); // those made before are closed with their own manager
    owner = modelManager.newSubManager();
  }

  /**
   * The (t, t) mask on {@code like}'s device: the cached one, or a new one kept for later. Without
   * a live owner (the model was never initialized, or its manager is closed) the mask is made on
   * the input's manager, as before, and not kept.
   */
  synchronized NDArray of(NDArray like, int t) {
    if (owner == null || !owner.isOpen()) {
      return like.getManager().create(values(t), new Shape(t, t));
    }
    Key key = new Key(like.getDevice(), t);
    NDArray mask = masks.get(key);
    if (mask == null) {
      NDManager on =
          owner.getDevice().equals(key.device()) ? owner : owner.newSubManager(key.device());
      mask = on.create(values(t), new Shape(t, t));
      NDScope.unregister(mask); // made inside a step's scope, it must outlive the step
      masks.put(key, mask);
    }
    return mask;
  }

  /** How many masks are kept (one per device and length used). */
  public synchronized int size() {
    return masks.size();
  }

  private static float[] values(int t) {
    float[] m = new float[t * t];
    for (int i = 0; i < t; i++) {
      for (int j = i + 1; j < t; j++) {
        m[i * t + j] = -1e9f; // large and finite: -inf would turn a fully masked row into NaN
      }
    }
    return m;
  }
}
