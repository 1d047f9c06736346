package dev.coxswain.trainer.device;

import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.pytorch.jni.LibUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The libtorch DJL loaded and the GPUs around it.
 *
 * @param path the directory DJL loaded libtorch from
 * @param version libtorch's version as DJL reports it
 * @param flavor {@code cpu}, {@code cu128}, ...: PYTORCH_FLAVOR when a libtorch directory was
 *     given, else the flavor in the name of DJL's cache directory
 * @param cuda whether the loaded libtorch was built with CUDA
 * @param gpus the GPUs libtorch can use (0 without CUDA)
 * @param driverGpus the names of the GPUs the NVIDIA driver shows, usable or not
 */
public record Libtorch(
    String path, String version, String flavor, boolean cuda, int gpus, List<String> driverGpus) {
  private static final Path NVIDIA_GPUS = Path.of("/proc/driver/nvidia/gpus");
  // DJL's cache directories are VERSION[-BUILD]-FLAVOR-OS-ARCH, e.g.
  // 2.7.1-20250812-cpu-linux-x86_64
  private static final Pattern CACHE_DIR =
      Pattern.compile("\\d+\\.\\d+\\.\\d+(?:-\\d+)?-([a-z0-9]+(?:-precxx11)?)-[a-z]+-[a-z0-9_]+");

  public Libtorch {
    driverGpus = List.copyOf(driverGpus);
  }

  /** Loads the engine (once per JVM) and describes what it loaded. */
  public static Libtorch loaded() {
    Engine engine = Engine.getInstance();
    boolean cuda = engine.hasCapability(StandardCapabilities.CUDA);
    String path = LibUtils.getLibtorchPath();
    return new Libtorch(
        path,
        LibUtils.getVersion(),
        flavor(path, System.getenv("PYTORCH_LIBRARY_PATH"), System.getenv("PYTORCH_FLAVOR"), cuda),
        cuda,
        cuda ? engine.getGpuCount() : 0,
        driverGpus(NVIDIA_GPUS));
  }

  static String flavor(String path, String libraryPath, String flavorEnv, boolean cuda) {
    if (libraryPath != null && flavorEnv != null && !flavorEnv.isBlank()) {
      return flavorEnv;
    }
    Matcher m = CACHE_DIR.matcher(Path.of(path).getFileName().toString());
    if (m.matches()) {
      return m.group(1);
    }
    return cuda ? "cuda" : "cpu";
  }

  /** The model names the NVIDIA driver lists under {@code /proc/driver/nvidia/gpus}. */
  static List<String> driverGpus(Path dir) {
    List<String> names = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return names;
    }
    try (Stream<Path> gpus = Files.list(dir).sorted()) {
      for (Path gpu : gpus.toList()) {
        String name = "NVIDIA GPU";
        Path info = gpu.resolve("information");
        if (Files.isReadable(info)) {
          for (String line : Files.readAllLines(info)) {
            if (line.startsWith("Model:")) {
              name = line.substring("Model:".length()).trim();
            }
          }
        }
        names.add(name);
      }
    } catch (IOException | RuntimeException e) {
      // unreadable: as if no driver were there; libtorch's own count still decides
    }
    return names;
  }

  /** The name of GPU {@code index}, when the driver shows it. */
  public String gpuName(int index) {
    return index < driverGpus.size() ? driverGpus.get(index) : null;
  }

  /** The run.json section: path, version, flavor and whether it has CUDA. */
  public Section section() {
    return new Section(path, version, flavor, cuda);
  }

  /** The libtorch of run.json's {@code device} section. */
  public record Section(String path, String version, String flavor, boolean cuda) {}

  /** One line: {@code libtorch 2.7.1 (cpu) from DIR}. */
  public String describe() {
    return "libtorch " + version + " (" + flavor + ") from " + path;
  }
}
