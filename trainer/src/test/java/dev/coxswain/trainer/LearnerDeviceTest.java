package dev.coxswain.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.coxswain.trainer.control.Knobs;
import dev.coxswain.trainer.metric.StepProfile;
import dev.coxswain.trainer.optim.OptimizerChoice;
import org.junit.jupiter.api.Test;

/** The trainer puts the model, its optimizer state and each batch on the configured device. */
class LearnerDeviceTest {
  @Test
  void theConfiguredDeviceHoldsTheModelAndTrains() {
    TrainerConfig cpu = Fixtures.config(2).optDevice(Device.cpu()).build();
    try (Learner l = new Learner(Fixtures.tinyGpt(1), cpu, new StepProfile())) {
      assertEquals(Device.cpu(), l.device());
      StepReadback read = new StepReadback(1, l);
      read.add(l.step(1, Knobs.of(OptimizerChoice.DEFAULT.knobs(1e-3)).snapshot()));
      StepResult r = read.read().get(0);
      assertTrue(Double.isFinite(r.loss()), "a real step on the CPU: " + r);
    }
  }

  @Test
  void aGpuThisLibtorchCannotUseIsRefusedByLibtorchItself() {
    // the device reaches the arrays: on a CPU-only libtorch, asking the trainer for gpu(0) fails
    // where the first array is made (the command line refuses it earlier, with the fix)
    assumeFalse(
        Engine.getInstance().hasCapability("CUDA") && Engine.getInstance().getGpuCount() > 0,
        "a CUDA libtorch with a GPU is loaded: gpu(0) is usable here");
    TrainerConfig gpu = Fixtures.config(2).optDevice(Device.gpu(0)).build();
    assertThrows(
        RuntimeException.class, () -> new Learner(Fixtures.tinyGpt(1), gpu, new StepProfile()));
  }
}
