package dev.coxswain.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** How an optimizer's state files write and read one array (length, then DJL's encoding). */
final class StateArrays {
  private StateArrays() {}

  static void write(DataOutputStream out, NDArray a) throws IOException {
    byte[] b = a.encode();
    out.writeInt(b.length);
    out.write(b);
  }

  /**
   * Reads one array onto {@code manager}, living as long as the optimizer, not the step.
   *
   * @param what the optimizer, for the error
   */
  static NDArray read(DataInputStream in, NDManager manager, String what) throws IOException {
    int len = in.readInt();
    if (len < 0 || len > (1 << 30)) {
      throw new IOException("corrupt " + what + " state: array length " + len);
    }
    byte[] b = in.readNBytes(len);
    if (b.length != len) {
      throw new IOException("corrupt " + what + " state: truncated");
    }
    NDArray a = NDArray.decode(manager, b);
    NDScope.unregister(a);
    return a;
  }
}
