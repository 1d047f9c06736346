package dev.coxswain.trainer.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which device a run gets from what was asked and the libtorch loaded, and the refusals. */
class DeviceChoiceTest {
  private static final Libtorch CPU_ONLY =
      new Libtorch("/lt/cpu", "2.7.1", "cpu", false, 0, List.of());
  private static final Libtorch CPU_ONLY_BESIDE_A_GPU =
      new Libtorch("/lt/cpu", "2.7.1", "cpu", false, 0, List.of("NVIDIA H200"));
  private static final Libtorch CUDA_NO_GPU =
      new Libtorch("/lt/cu128", "2.7.1", "cu128", true, 0, List.of());
  private static final Libtorch CUDA_ONE_GPU =
      new Libtorch("/lt/cu128", "2.7.1", "cu128", true, 1, List.of("NVIDIA H200"));

  @Test
  void readsEveryFormAndRefusesOthersNamingTheValue() {
    assertEquals("auto", DeviceChoice.parse("auto").spec());
    assertEquals("cpu", DeviceChoice.parse("CPU").spec());
    assertEquals("gpu", DeviceChoice.parse("gpu").spec());
    assertEquals(new DeviceChoice("gpu", 3), DeviceChoice.parse("gpu:3"));
    for (String bad : List.of("tpu", "gpu:", "gpu:-1", "gpu:x", "cuda", "", "gpu:1234")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> DeviceChoice.parse(bad));
      assertTrue(e.getMessage().contains("got '" + bad + "'"), e.getMessage());
      assertTrue(e.getMessage().contains("auto, cpu, gpu or gpu:N"), e.getMessage());
    }
  }

  @Test
  void autoTakesTheGpuOnlyWhenLibtorchHasCudaAndSeesOne() throws Exception {
    RunDevice gpu = DeviceChoice.AUTO.resolve(CUDA_ONE_GPU);
    assertEquals("gpu:0", gpu.name());
    assertEquals(Device.gpu(0), gpu.djl());
    assertEquals("NVIDIA H200", gpu.gpuName());
    assertEquals("NVIDIA H200", gpu.section().gpuName());

    RunDevice cpu = DeviceChoice.AUTO.resolve(CPU_ONLY);
    assertEquals("cpu", cpu.name());
    assertEquals(Device.cpu(), cpu.djl());
    assertTrue(cpu.why().contains("no CUDA"), cpu.why());
    assertNull(cpu.warning(), "no GPU around: nothing to warn of");
    assertEquals("cpu", DeviceChoice.AUTO.resolve(CUDA_NO_GPU).name());
  }

  @Test
  void aGpuLeftIdleByACpuLibtorchIsWarnedOfOnce() throws Exception {
    RunDevice d = DeviceChoice.AUTO.resolve(CPU_ONLY_BESIDE_A_GPU);
    assertEquals("cpu", d.name());
    assertTrue(d.warning().contains("NVIDIA H200") && d.warning().contains("COXSWAIN_LIBTORCH"));
    assertEquals(d.warning(), d.section().warning());
  }

  @Test
  void aGpuThatCannotBeHadIsRefusedWithTheReasonAndTheFix() {
    String noCuda =
        assertThrows(
                DeviceUnavailableException.class,
                () -> DeviceChoice.parse("gpu").resolve(CPU_ONLY_BESIDE_A_GPU))
            .getMessage();
    assertTrue(noCuda.startsWith("device gpu cannot be used: no CUDA libtorch"), noCuda);
    assertTrue(noCuda.contains("/lt/cpu") && noCuda.contains("--libtorch DIR"), noCuda);

    String noGpu =
        assertThrows(
                DeviceUnavailableException.class,
                () -> DeviceChoice.parse("gpu:0").resolve(CUDA_NO_GPU))
            .getMessage();
    assertTrue(noGpu.contains("no GPU is visible") && noGpu.contains("nvidia-smi"), noGpu);

    String tooHigh =
        assertThrows(
                DeviceUnavailableException.class,
                () -> DeviceChoice.parse("gpu:7").resolve(CUDA_ONE_GPU))
            .getMessage();
    assertTrue(tooHigh.startsWith("device gpu:7 cannot be used: 1 GPU(s) visible"), tooHigh);
  }

  @Test
  void cpuAndAGpuThatIsThereAreGranted() throws Exception {
    assertEquals("cpu", DeviceChoice.parse("cpu").resolve(CUDA_ONE_GPU).name());
    RunDevice g = DeviceChoice.parse("gpu:0").resolve(CUDA_ONE_GPU);
    assertEquals("gpu:0", g.name());
    assertEquals("asked for", g.why());
  }

  @Test
  void theFlavorComesFromTheLibtorchDirectoryOrDjlsCacheName() {
    assertEquals("cu128", Libtorch.flavor("/opt/torch/lib", "/opt/torch/lib", "cu128", true));
    assertEquals(
        "cpu",
        Libtorch.flavor(
            "/root/.djl.ai/pytorch/2.7.1-20250812-cpu-linux-x86_64", null, null, false));
    assertEquals("cuda", Libtorch.flavor("/somewhere/lib", null, null, true));
  }

  @Test
  void theDriverNamesItsGpus(@TempDir Path dir) throws Exception {
    assertEquals(List.of(), Libtorch.driverGpus(dir.resolve("none")));
    Path gpu = Files.createDirectories(dir.resolve("0000:01:00.0"));
    Files.writeString(gpu.resolve("information"), "Model: \t NVIDIA H200\nIRQ: 10\n");
    assertEquals(List.of("NVIDIA H200"), Libtorch.driverGpus(dir));
  }

  @Test
  void thisMachinesLibtorchIsDescribedAsDjlLoadedIt() {
    Libtorch lt = Libtorch.loaded();
    assertTrue(Files.isRegularFile(Path.of(lt.path(), "libtorch.so")), lt.path());
    assertTrue(lt.version().startsWith("2.7.1"), lt.version());
    assertEquals(lt.cuda() ? lt.flavor() : "cpu", lt.flavor());
  }
}
