package dev.coxswain.trainer.loop;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Part of a loop's state kept in its checkpoints: a block's parameters, an optimizer's moments, a
 * counter. {@code restore} reads what {@code save} wrote, on the training thread.
 */
public interface StatePart {
  void save(OutputStream out) throws IOException;

  void restore(InputStream in) throws IOException;

  /** A DJL block's parameters, in DJL's own parameter format. */
  static StatePart parameters(Block block, NDManager manager) {
    return new StatePart() {
      @Override
      public void save(OutputStream out) throws IOException {
        block.saveParameters(new DataOutputStream(out));
      }

      @Override
      public void restore(InputStream in) throws IOException {
        try {
          block.loadParameters(manager, new DataInputStream(in));
        } catch (ai.djl.MalformedModelException e) {
          throw new IOException("the checkpoint does not fit the block: " + e.getMessage(), e);
        }
      }
    };
  }
}
