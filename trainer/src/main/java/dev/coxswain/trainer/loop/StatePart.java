package dev.coxswain.trainer.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Part of a loop's state kept in its checkpoints: a block's parameters, an optimizer's moments, a
 * counter. {@code restore} reads what {@code save} wrote, on the training thread; one that throws
 * must leave its part as it was (the parts restored before it are put back).
 */
public interface StatePart {
  void save(OutputStream out) throws IOException;

  void restore(InputStream in) throws IOException;

  /**
   * A DJL block's parameters, each by its name, restored IN PLACE: the arrays keep their identity,
   * so a DJL {@code Trainer} (whose parameter store holds on to the arrays it first saw) trains the
   * restored values, and no replaced array is left behind. A checkpoint of another block (a name,
   * shape or type that differs) is refused before any parameter changes.
   */
  static StatePart parameters(Block block, NDManager manager) {
    return new StatePart() {
      @Override
      public void save(OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        List<Pair<String, Parameter>> params = block.getParameters().stream().toList();
        d.writeInt(params.size());
        for (Pair<String, Parameter> p : params) {
          byte[] bytes = p.getValue().getArray().encode();
          d.writeUTF(p.getKey());
          d.writeInt(bytes.length);
          d.write(bytes);
        }
        d.flush();
      }

      @Override
      public void restore(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        List<Pair<String, Parameter>> params = block.getParameters().stream().toList();
        int n = d.readInt();
        if (n != params.size()) {
          throw new IOException(
              "the checkpoint holds " + n + " parameters, the block " + params.size());
        }
        try (NDManager scratch = manager.newSubManager()) {
          List<NDArray> loaded = new ArrayList<>(n);
          for (Pair<String, Parameter> p : params) {
            String name = d.readUTF();
            byte[] bytes = new byte[d.readInt()];
            d.readFully(bytes);
            NDArray a = NDArray.decode(scratch, bytes);
            NDArray now = p.getValue().getArray();
            if (!name.equals(p.getKey())
                || !a.getShape().equals(now.getShape())
                || a.getDataType() != now.getDataType()) {
              throw new IOException(
                  "the checkpoint does not fit the block: parameter '"
                      + name
                      + "' "
                      + a.getShape()
                      + " "
                      + a.getDataType()
                      + " where the block has '"
                      + p.getKey()
                      + "' "
                      + now.getShape()
                      + " "
                      + now.getDataType());
            }
            loaded.add(a);
          }
          for (int i = 0; i < n; i++) {
            loaded.get(i).copyTo(params.get(i).getValue().getArray());
          }
        }
      }
    };
  }
}
