package dev.coxswain.trainer.device;

import ai.djl.Device;

/**
 * The device a run trains on and why it was chosen.
 *
 * @param name {@code cpu} or {@code gpu:N}
 * @param requested what was asked for ({@code auto}, {@code cpu}, {@code gpu}, {@code gpu:N})
 * @param why why this device, in a few words
 * @param libtorch the libtorch it runs on
 * @param gpuName the GPU's name when it is one and the driver names it, else null
 * @param warning something the user should know (a GPU left unused), else null
 */
public record RunDevice(
    String name, String requested, String why, Libtorch libtorch, String gpuName, String warning) {

  /** DJL's device for this choice. */
  public Device djl() {
    return name.equals("cpu") ? Device.cpu() : Device.gpu(Integer.parseInt(name.substring(4)));
  }

  /** The run.json section: device, what was asked, why, the GPU's name, libtorch, a warning. */
  public Section section() {
    return new Section(name, requested, why, gpuName, libtorch.section(), warning);
  }

  /**
   * run.json's {@code device} section ({@code gpu_name} and {@code warning} absent when there is
   * none).
   */
  public record Section(
      String name,
      String requested,
      String why,
      String gpuName,
      Libtorch.Section libtorch,
      String warning) {}

  /** One line for the start: {@code device cpu (auto: ...), libtorch 2.7.1 (cpu) from DIR}. */
  public String describe() {
    return "device "
        + name
        + (gpuName != null ? " (" + gpuName + ")" : "")
        + " ["
        + why
        + "], "
        + libtorch.describe();
  }
}
