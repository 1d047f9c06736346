package dev.coxswain.trainer.device;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The device asked for: {@code auto} (a GPU when the loaded libtorch has CUDA and sees one, else
 * the CPU), {@code cpu}, {@code gpu} (the first GPU) or {@code gpu:N}.
 *
 * @param kind auto, cpu or gpu
 * @param index the GPU's index for {@code gpu:N}, -1 otherwise
 */
public record DeviceChoice(String kind, int index) {
  public static final DeviceChoice AUTO = new DeviceChoice("auto", -1);
  private static final Pattern GPU = Pattern.compile("gpu:(\\d{1,3})");
  private static final String USE_A_CUDA_LIBTORCH =
      "start with COXSWAIN_LIBTORCH=DIR or --libtorch DIR pointing at a CUDA libtorch "
          + "2.7.1 (README, section GPUs)";

  /**
   * Reads {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}.
   *
   * @throws IllegalArgumentException naming the value when it is none of them
   */
  public static DeviceChoice parse(String spec) {
    String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
    switch (s) {
      case "auto":
        return AUTO;
      case "cpu":
        return new DeviceChoice("cpu", -1);
      case "gpu":
        return new DeviceChoice("gpu", -1);
      default:
        Matcher m = GPU.matcher(s);
        if (m.matches()) {
          return new DeviceChoice("gpu", Integer.parseInt(m.group(1)));
        }
        throw new IllegalArgumentException(
            "device must be auto, cpu, gpu or gpu:N (N a GPU's index from 0), got '" + spec + "'");
    }
  }

  /** As written: auto, cpu, gpu or gpu:N. */
  public String spec() {
    return index >= 0 ? "gpu:" + index : kind;
  }

  /**
   * The device to train on with this libtorch.
   *
   * @throws DeviceUnavailableException a GPU was asked for and cannot be had (why, and the fix)
   */
  public RunDevice resolve(Libtorch lt) throws DeviceUnavailableException {
    switch (kind) {
      case "cpu":
        return new RunDevice("cpu", spec(), "asked for", lt, null, unusedGpu(lt));
      case "auto":
        if (lt.cuda() && lt.gpus() > 0) {
          String why = "auto: CUDA libtorch, " + lt.gpus() + " GPU(s) visible";
          return new RunDevice("gpu:0", spec(), why, lt, lt.gpuName(0), null);
        }
        String why = lt.cuda() ? "auto: no GPU visible" : "auto: the loaded libtorch has no CUDA";
        return new RunDevice("cpu", spec(), why, lt, null, unusedGpu(lt));
      default:
        return gpu(lt);
    }
  }

  private RunDevice gpu(Libtorch lt) throws DeviceUnavailableException {
    String asked = "device " + spec() + " cannot be used: ";
    if (!lt.cuda()) {
      throw new DeviceUnavailableException(
          asked
              + "no CUDA libtorch is loaded ("
              + lt.describe()
              + " has no CUDA). To fix it, "
              + USE_A_CUDA_LIBTORCH
              + ", or use --device cpu");
    }
    if (lt.gpus() == 0) {
      throw new DeviceUnavailableException(
          asked
              + "no GPU is visible to the CUDA "
              + lt.describe()
              + ". To fix it, check that nvidia-smi lists a GPU and that CUDA_VISIBLE_DEVICES"
              + " does not hide it, or use --device cpu");
    }
    int i = Math.max(index, 0);
    if (i >= lt.gpus()) {
      throw new DeviceUnavailableException(
          asked
              + lt.gpus()
              + " GPU(s) visible, numbered gpu:0 to gpu:"
              + (lt.gpus() - 1)
              + ". Pick one of them, or --device gpu for the first");
    }
    return new RunDevice("gpu:" + i, spec(), "asked for", lt, lt.gpuName(i), null);
  }

  /** The one warning for a GPU that the CPU-only libtorch leaves idle, or null. */
  private static String unusedGpu(Libtorch lt) {
    if (lt.cuda() || lt.driverGpus().isEmpty()) {
      return null;
    }
    return "a GPU is visible ("
        + lt.driverGpus().get(0)
        + ") but the loaded libtorch has no CUDA, so training runs on the CPU; to use it, "
        + USE_A_CUDA_LIBTORCH;
  }
}
