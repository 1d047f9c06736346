package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Knob;
import dev.coxswain.server.Coxswain;
import dev.coxswain.server.TestRuns;
import dev.coxswain.trainer.TrainerConfig;
import dev.coxswain.trainer.Workload;
import dev.coxswain.trainer.control.ActionOutcome;
import dev.coxswain.trainer.data.DatasetSource;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The console draws what a run registered, in a real headless Chromium against a real run: a tiny
 * DJL regression on Coxswain's loop whose workload registers a log learning-rate knob {@code lr_d},
 * an integer knob {@code n_critic} and an action {@code freeze_d}. Its knob rows show bounds, scale
 * and role, with ×2/×½ only on the log knob; a value is applied through the workload's setter, and
 * a refused one shows the server's reason under its field with nothing recorded; the action's form
 * sends run_action, whose result (applied, or failed with the handler's error) comes in the
 * history, and a refused argument shows under its own field.
 */
class RegisteredControlsBrowserTest {
  private static final String RUN = "own";

  @TempDir Path dir;

  private final AtomicReference<Double> lrD = new AtomicReference<>();
  private final AtomicLong nCritic = new AtomicLong();
  private final AtomicLong frozenFor = new AtomicLong();
  private final AtomicLong spectral = new AtomicLong(-1);
  private final AtomicLong dLoss = new AtomicLong(-1);

  /** y = 2x + 1 on 256 points, a single linear unit, and the knobs and action of a GAN's loop. */
  private Workload workload(NDManager data) {
    NDArray x = data.arange(256f).div(256f).reshape(256, 1);
    NDArray y = x.mul(2f).add(1f);
    ArrayDataset train =
        new ArrayDataset.Builder().setData(x).optLabels(y).setSampling(32, false).build();
    ArrayDataset val =
        new ArrayDataset.Builder()
            .setData(x.get(":64"))
            .optLabels(y.get(":64"))
            .setSampling(32, false)
            .build();
    ActionSpec freeze =
        new ActionSpec(
            "freeze_d",
            "freeze the discriminator for some steps",
            true,
            List.of(ActionSpec.Field.integer("steps", 1, 1000, "how many steps")));
    return Workload.builder()
        .setBlock(Linear.builder().setUnits(1).build())
        .setInputShape(new Shape(32, 1))
        .setLoss(Loss.l2Loss())
        .setData(new DatasetSource(train, val, 32, 1))
        .optName("own-knobs")
        .optKnob(
            Knob.real("lr_d")
                .bounds(1e-6, 1e-2)
                .initial(2e-4)
                .log()
                .role(Knob.LEARNING_RATE)
                .describe("the discriminator's learning rate")
                .build(),
            lrD::set)
        .optKnob(
            Knob.integer("n_critic")
                .bounds(1, 10)
                .initial(5)
                .unit("steps")
                .describe("critic steps per generator step")
                .build(),
            v -> nCritic.set((long) v))
        .optKnob(Knob.bool("spectral_norm").build(), v -> spectral.set((long) v))
        .optKnob(Knob.choice("d_loss", "hinge", "bce").build(), v -> dLoss.set((long) v))
        .optAction(
            freeze,
            (args, next) -> {
              long steps = (Long) args.get("steps");
              if (steps == 999) {
                throw new IllegalStateException("the discriminator cannot stay frozen that long");
              }
              frozenFor.set(steps);
              return ActionOutcome.applied(Map.of("frozen_for", steps));
            })
        .build();
  }

  @SuppressWarnings("unchecked")
  private static int commands(TestRuns.Http http) throws Exception {
    return ((List<Object>) http.json(http.get("/api/runs/" + RUN + "/commands")).get("commands"))
        .size();
  }

  private static WebElement row(Browser b, String knob) {
    return b.driver.findElement(By.cssSelector("#knobs [data-knob='" + knob + "']"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void theKnobPanelAndTheActionFormAreMadeFromWhatTheRunRegistered() throws Exception {
    TrainerConfig config =
        TrainerConfig.builder().optRunId(RUN).optMaxSteps(1_000_000).optEvalEvery(1000).build();
    try (NDManager data = NDManager.newBaseManager();
        Coxswain c =
            Coxswain.builder(workload(data), config)
                .optRunsRoot(dir.resolve("runs"))
                .optListen("127.0.0.1", 0)
                .optToken(TestRuns.TOKEN)
                .serve();
        Browser b = new Browser(dir.resolve("chromium"), 1300, 1400)) {
      TestRuns.Http http = new TestRuns.Http(c.port());
      Map<String, Object> state =
          http.awaitState(RUN, s -> ((Number) s.get("step")).longValue() >= 2, 60);
      // the run's state lists what it registered: knobs with type, bounds, scale and role
      Map<String, Map<String, Object>> specs = new LinkedHashMap<>();
      for (Map<String, Object> k : (List<Map<String, Object>>) state.get("knobs")) {
        specs.put((String) k.get("name"), k);
      }
      assertEquals("log", specs.get("lr_d").get("scale"));
      assertEquals("learning_rate", specs.get("lr_d").get("role"));
      assertEquals("int", specs.get("n_critic").get("type"));
      assertEquals(10.0, ((Number) specs.get("n_critic").get("max")).doubleValue());
      assertEquals(List.of("hinge", "bce"), specs.get("d_loss").get("choices"));
      List<Map<String, Object>> actions = (List<Map<String, Object>>) state.get("actions");
      assertEquals("freeze_d", actions.get(0).get("name"));
      assertEquals(
          "integer", ((List<Map<String, Object>>) actions.get(0).get("fields")).get(0).get("type"));
      b.driver.get("http://127.0.0.1:" + c.port() + "/#token=" + TestRuns.TOKEN);

      // the rows, from the knob table: bounds, scale, role and unit; ×2/×½ on the log knobs only
      b.await(
          60,
          "the run's own knobs listed",
          d -> !d.findElements(By.cssSelector("#knobs [data-knob='n_critic']")).isEmpty());
      WebElement lr = row(b, "lr_d");
      assertEquals("[1e-6, 0.01] · log", lr.findElement(By.cssSelector(".bounds")).getText());
      assertEquals("learning_rate", lr.findElement(By.cssSelector(".role")).getText());
      assertEquals("2e-4", lr.findElement(By.cssSelector(".val")).getText());
      assertEquals(1, lr.findElements(By.cssSelector("[data-role='double']")).size());
      assertEquals(1, lr.findElements(By.cssSelector("[data-role='halve']")).size());
      WebElement nc = row(b, "n_critic");
      assertEquals("[1, 10] whole", nc.findElement(By.cssSelector(".bounds")).getText());
      assertEquals("5 steps", nc.findElement(By.cssSelector(".val")).getText());
      assertEquals(
          0,
          nc.findElements(By.cssSelector("[data-role='double'], [data-role='halve']")).size(),
          "no ×2 on a linear knob");
      assertEquals(
          0,
          row(b, "weight_decay").findElements(By.cssSelector("[data-role='double']")).size(),
          "nor on the built-in linear ones");
      assertEquals(
          1,
          row(b, "lr").findElements(By.cssSelector("[data-role='double']")).size(),
          "the built-in lr is a log knob");
      WebElement ncInput = nc.findElement(By.cssSelector("input"));
      assertEquals("number", ncInput.getAttribute("type"));
      assertEquals("1", ncInput.getAttribute("min"));
      assertEquals("10", ncInput.getAttribute("max"));

      // n_critic = 3: applied through the workload's setter, and shown
      int before = commands(http);
      b.await(60, "the field is enabled", d -> ncInput.isEnabled());
      ncInput.sendKeys("3", Keys.ENTER);
      b.await(
          60,
          "n_critic 3 shown",
          d -> "3 steps".equals(row(b, "n_critic").findElement(By.cssSelector(".val")).getText()));
      assertEquals(3, nCritic.get(), "the workload's setter got it");
      assertEquals(before + 1, commands(http), "one command recorded");

      // n_critic = 11: the server's reason under the field, the field marked, nothing recorded
      WebElement nc2 = row(b, "n_critic");
      WebElement input = nc2.findElement(By.cssSelector("input"));
      WebElement err = nc2.findElement(By.cssSelector(".err"));
      b.await(60, "the field is enabled again", d -> input.isEnabled());
      input.clear();
      input.sendKeys("11", Keys.ENTER);
      b.await(60, "11 is refused", d -> err.getText().contains("out of bounds"));
      assertTrue(err.getText().contains("n_critic"), err.getText());
      assertTrue(input.getAttribute("class").contains("invalid"));
      assertEquals(before + 1, commands(http), "a refused value is not recorded");
      assertEquals(3, nCritic.get(), "and changes nothing");
      assertEquals("3 steps", nc2.findElement(By.cssSelector(".val")).getText());

      // ×2 on the log knob: scale_knob, through the workload's setter
      assertEquals(2e-4, lrD.get(), "the setter had the default");
      b.click(By.cssSelector("#knobs [data-knob='lr_d'] [data-role='double']"));
      b.await(
          60,
          "lr_d doubled",
          d -> "4e-4".equals(row(b, "lr_d").findElement(By.cssSelector(".val")).getText()));
      assertEquals(4e-4, lrD.get(), 1e-15);

      // a boolean knob is a toggle, a choice knob a list: each sent as what it means
      assertEquals("off", row(b, "spectral_norm").findElement(By.cssSelector(".val")).getText());
      b.click(By.cssSelector("#knobs [data-knob='spectral_norm'] [data-role='toggle']"));
      b.await(
          60,
          "spectral_norm on",
          d -> "on".equals(row(b, "spectral_norm").findElement(By.cssSelector(".val")).getText()));
      assertEquals(1, spectral.get(), "the workload's setter got true");
      assertEquals(
          "Turn off",
          row(b, "spectral_norm").findElement(By.cssSelector("[data-role='toggle']")).getText());
      assertEquals("hinge", row(b, "d_loss").findElement(By.cssSelector(".val")).getText());
      new Select(row(b, "d_loss").findElement(By.cssSelector("select"))).selectByValue("bce");
      b.click(By.cssSelector("#knobs [data-knob='d_loss'] [data-role='set']"));
      b.await(
          60,
          "d_loss bce",
          d -> "bce".equals(row(b, "d_loss").findElement(By.cssSelector(".val")).getText()));
      assertEquals(1, dLoss.get(), "the workload's setter got the option's index");
      b.await(
          60,
          "the history says the options' names",
          d ->
              d.findElements(By.cssSelector("#history tr[data-status='applied']")).stream()
                  .anyMatch(r -> r.getText().contains("d_loss hinge → bce")));
      before += 3;

      // the action's form, from its fields: bounds and the required mark
      WebElement form = b.driver.findElement(By.cssSelector("#actions [data-action='freeze_d']"));
      assertTrue(b.driver.findElement(By.id("action-panel")).isDisplayed());
      WebElement steps = form.findElement(By.cssSelector("[data-field='steps'] input"));
      WebElement stepsErr = form.findElement(By.cssSelector("[data-field='steps'] .err"));
      assertEquals("number", steps.getAttribute("type"));
      assertEquals("1", steps.getAttribute("min"));
      assertEquals("1000", steps.getAttribute("max"));
      assertEquals(1, form.findElements(By.cssSelector("[data-field='steps'] .req")).size());
      WebElement run = form.findElement(By.cssSelector("[data-role='run']"));

      // steps = 20: sent as run_action, applied by the handler, the result in the history
      b.await(60, "the action's field enabled", d -> steps.isEnabled());
      steps.sendKeys("20");
      b.click(run);
      b.await(60, "the action applied in the history", d -> historyRow(b, "steps = 20", "applied"));
      assertEquals(20, frozenFor.get(), "the handler ran with the field's value");
      assertEquals(before + 2, commands(http));

      // steps = 0: refused at intake, under the steps field, nothing recorded
      steps.clear();
      steps.sendKeys("0");
      b.click(run);
      b.await(
          60, "0 is refused under its field", d -> stepsErr.getText().contains("out of bounds"));
      assertTrue(steps.getAttribute("class").contains("invalid"));
      assertEquals(before + 2, commands(http), "a refused argument is not recorded");

      // a handler that throws: failed, with its error, in the history; the run goes on
      steps.clear();
      steps.sendKeys("999");
      b.click(run);
      b.await(60, "the failure in the history", d -> historyRow(b, "steps = 999", "failed"));
      String failed =
          b.driver.findElement(By.cssSelector("#history tr[data-status='failed']")).getText();
      assertTrue(failed.contains("cannot stay frozen"), failed);
      assertEquals(20, frozenFor.get());
      long at = ((Number) http.state(RUN).get("step")).longValue();
      http.awaitState(RUN, s -> ((Number) s.get("step")).longValue() > at, 60);

      b.screenshot(Path.of("target", "console", "registered-controls.png"));
      assertEquals(List.of(), b.snapshot().get("errors"), "no script errors");
    }
  }

  private static boolean historyRow(Browser b, String args, String status) {
    return b
        .driver
        .findElements(By.cssSelector("#history tr[data-status='" + status + "']"))
        .stream()
        .anyMatch(r -> r.getText().contains("run_action") && r.getText().contains(args));
  }
}
