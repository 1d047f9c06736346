package dev.coxswain.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Event;
import dev.coxswain.protocol.EventType;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Knob;
import dev.coxswain.run.RunStore;
import dev.coxswain.server.ServedStore;
import dev.coxswain.server.TestRuns;
import dev.coxswain.server.api.ApiOptions;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The log of a loop of its own (a GAN's: no learning rate in its metrics, two named losses, a
 * boolean and a choice knob), served with no trainer and opened in a real headless Chromium: a
 * chart per named value, drawn from the history read and then from the stream, the lr chart empty
 * and unbroken, and the boolean and choice knobs shown by what they mean.
 */
class OwnLoopChartsBrowserTest {
  private static final String RUN = "loop";
  private static final int STEPS = 40;

  @TempDir Path dir;

  private static Event event(long step, EventType type, Map<String, Object> payload) {
    return new Event(0, RUN, "main", step, type, Instant.now(), payload);
  }

  private static Event metrics(long step) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("loss", 1.0 / step);
    p.put("values", Map.of("loss_d", 0.7 - step / 100.0, "loss_g", 1.5 + step / 100.0));
    return event(step, EventType.METRICS, p);
  }

  private static RunStore run(Path dir) throws Exception {
    RunStore s = RunStore.create(dir.resolve("runs/" + RUN), Map.of("run_id", RUN));
    s.append(event(0, EventType.STATUS, Map.of("status", "running")));
    List<Knob> knobs =
        List.of(
            Knob.real("lr_d").bounds(1e-6, 1e-2).initial(2e-4).log().role("learning_rate").build(),
            Knob.bool("spectral_norm").build(),
            Knob.choice("loss", "hinge", "wasserstein").initial(1).build());
    Map<String, Object> announce = new LinkedHashMap<>();
    announce.put("knobs", Map.of("lr_d", 2e-4, "spectral_norm", 0.0, "loss", 1.0));
    announce.put("specs", knobs.stream().map(Json::toMap).toList());
    announce.put(
        "actions",
        List.of(
            Json.toMap(
                new ActionSpec(
                    "reinit_d_head",
                    "re-initialise the discriminator's last layer",
                    false,
                    List.of(
                        ActionSpec.Field.choice("init", List.of("xavier", "normal"), "how")
                            .optional(),
                        ActionSpec.Field.bool("keep_bias", "keep its bias"))))));
    s.append(event(0, EventType.KNOBS, announce));
    for (long step = 1; step <= STEPS; step++) {
      s.append(metrics(step));
    }
    return s;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Number> valueCharts(Browser b) {
    Map<String, Number> out = new LinkedHashMap<>();
    for (Map<String, Object> c : (List<Map<String, Object>>) b.snapshot().get("valueCharts")) {
      out.put((String) c.get("name"), (Number) c.get("points"));
    }
    return out;
  }

  @Test
  @SuppressWarnings("unchecked")
  void namedValuesAreChartedAndARunWithoutLrDrawsNoLr() throws Exception {
    try (RunStore store = run(dir);
        ServedStore served =
            new ServedStore(store, ApiOptions.defaults(TestRuns.TOKEN).withPort(0));
        Browser b = new Browser(dir.resolve("chromium"), 1300, 1200)) {
      // the history read gives each named value as a column of its own
      TestRuns.Http http = new TestRuns.Http(served.port());
      Map<String, Object> hist =
          http.json(http.get("/api/runs/" + RUN + "/history?metrics=loss,lr,values"));
      Map<String, List<Object>> cols =
          (Map<String, List<Object>>)
              ((List<Map<String, Object>>) hist.get("branches")).get(0).get("metrics");
      assertEquals(Set.of("loss", "values.loss_d", "values.loss_g"), cols.keySet(), "no lr column");
      assertEquals(
          0.7 - STEPS / 100.0,
          ((Number) cols.get("values.loss_d").get(STEPS - 1)).doubleValue(),
          1e-12);

      long seq = store.lastSeq();
      b.driver.get("http://127.0.0.1:" + served.port() + "/?run=" + RUN);
      b.await(
          60,
          "the history drawn",
          d ->
              ((Number) b.js("return Number(document.body.dataset.drawnSeq || 0)")).longValue()
                  >= seq);
      assertEquals(
          Map.of("loss_d", STEPS, "loss_g", STEPS),
          toInts(valueCharts(b)),
          "a chart per named value, every step");
      assertTrue(b.driver.findElement(By.id("chart-value-loss_d")).isDisplayed());

      // live: one more step over the stream
      Event live = store.append(metrics(STEPS + 1));
      b.await(
          30,
          "the live step drawn",
          d ->
              ((Number) b.js("return Number(document.body.dataset.drawnSeq || 0)")).longValue()
                  >= live.seq());
      assertEquals(Map.of("loss_d", STEPS + 1, "loss_g", STEPS + 1), toInts(valueCharts(b)));

      // no lr in the metrics: the lr chart stands, empty, and nothing failed
      assertEquals("–", b.driver.findElement(By.id("st-lr")).getText(), "no learning rate shown");
      assertEquals(List.of(), b.snapshot().get("errors"), "no script errors");

      // a boolean knob and a choice knob shown by what they mean, with their own controls
      WebElement sn = b.driver.findElement(By.cssSelector("#knobs [data-knob='spectral_norm']"));
      assertEquals("off", sn.findElement(By.cssSelector(".val")).getText());
      assertEquals("Turn on", sn.findElement(By.cssSelector("[data-role='toggle']")).getText());
      WebElement loss = b.driver.findElement(By.cssSelector("#knobs [data-knob='loss']"));
      assertEquals("wasserstein", loss.findElement(By.cssSelector(".val")).getText());
      assertEquals("hinge | wasserstein", loss.findElement(By.cssSelector(".bounds")).getText());
      assertEquals(2, loss.findElements(By.cssSelector("select option")).size());
      // the action's form: an optional choice may be left out; a required boolean is a checkbox
      WebElement form =
          b.driver.findElement(By.cssSelector("#actions [data-action='reinit_d_head']"));
      assertEquals(
          3, form.findElements(By.cssSelector("[data-field='init'] select option")).size());
      assertEquals(0, form.findElements(By.cssSelector("[data-field='init'] .req")).size());
      assertEquals(
          "checkbox",
          form.findElement(By.cssSelector("[data-field='keep_bias'] input")).getAttribute("type"));
      assertEquals(1, form.findElements(By.cssSelector("[data-field='keep_bias'] .req")).size());
    }
  }

  private static Map<String, Integer> toInts(Map<String, Number> m) {
    Map<String, Integer> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, v.intValue()));
    return out;
  }
}
