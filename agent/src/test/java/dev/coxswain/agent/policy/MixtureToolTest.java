package dev.coxswain.agent.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.TestKnobs;
import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.summary.Summary;
import dev.langchain4j.agent.tool.ToolSpecification;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The data mixture as an agent tool, and the guardrails that bound one decision's change. */
class MixtureToolTest {
  private static Summary window(Map<String, Double> mixture) {
    Summary.Series loss =
        new Summary.Series(List.of(new Summary.Point(100, 2.0)), 2.0, -0.1, 0.01, 2.0, 100);
    return new Summary(
            1,
            100,
            "main",
            "running",
            Map.of("train_loss", loss),
            Double.NaN,
            0,
            0,
            0,
            List.of(TestKnobs.lr("lr", 1e-3, 1e-12, 1, false)),
            List.of(),
            2.1,
            2.0)
        .withMixture(mixture);
  }

  private static Map<String, Double> ab(double a, double b) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("old", a);
    m.put("new", b);
    return m;
  }

  @Test
  void theToolIsOfferedOnlyToARunWithSourcesWithOneNullableWeightEach() {
    Set<String> permitted = Guardrails.Config.supervisor().permitted();
    assertTrue(permitted.contains("set_data_mixture"));
    List<ToolSpecification> none = Schemas.tools(permitted, window(Map.of()));
    assertFalse(none.stream().anyMatch(t -> t.name().equals("set_data_mixture")));
    ToolSpecification tool =
        Schemas.tools(permitted, window(ab(1, 0))).stream()
            .filter(t -> t.name().equals("set_data_mixture"))
            .findFirst()
            .orElseThrow();
    String params = tool.parameters().toString();
    assertTrue(tool.parameters().properties().containsKey("old"), params);
    assertTrue(tool.parameters().properties().containsKey("new"), params);
    assertTrue(params.contains("minimum") && params.contains("null"), params);
    assertTrue(tool.description().contains("25 percentage points"), tool.description());
  }

  @Test
  void guardrailsBoundAMixtureChangePerDecisionAndDropWhatIsWrong() {
    Guardrails g = new Guardrails(Guardrails.Config.supervisor());
    // old 1, new 0 -> new 1: the new source's share would jump from 0 to 50 points; cut to 25
    Guardrails.Outcome o =
        g.apply(
            new Decision("set_data_mixture", Map.of("weights", Map.of("new", 1.0)), "fold it in"),
            window(ab(1, 0)),
            -1);
    assertEquals("set_data_mixture", o.type().orElse(null));
    @SuppressWarnings("unchecked")
    Map<String, Double> w = (Map<String, Double>) o.args().get("weights");
    double total = w.values().stream().mapToDouble(Double::doubleValue).sum();
    assertEquals(0.25, w.get("new") / total, 1e-9);
    assertTrue(o.edits().get(0).contains("cut back to 25"), o.edits().toString());
    // a small change passes as asked (flat arguments, as a prompt-only answer gives them)
    Guardrails.Outcome small =
        g.apply(
            new Decision("set_data_mixture", Map.of("new", 0.2), "a little"), window(ab(1, 0)), -1);
    assertEquals(Map.of("weights", ab(1, 0.2)), small.args());
    assertTrue(small.edits().isEmpty(), small.edits().toString());
    // unknown sources and negative weights are dropped; nothing left: keep
    Guardrails.Outcome bad =
        g.apply(
            new Decision("set_data_mixture", Map.of("weights", Map.of("x", 1.0, "old", -1.0)), ""),
            window(ab(1, 0)),
            -1);
    assertTrue(bad.type().isEmpty());
    assertTrue(bad.edits().toString().contains("unknown data source 'x'"), bad.edits().toString());
    assertTrue(bad.edits().toString().contains("finite number >= 0"), bad.edits().toString());
    // all zero, or a run without sources: keep, saying why
    assertTrue(
        g.apply(new Decision("set_data_mixture", Map.of("old", 0.0), ""), window(ab(1, 0)), -1)
            .edits()
            .toString()
            .contains("every weight would be zero"));
    assertTrue(
        g.apply(new Decision("set_data_mixture", Map.of("old", 1.0), ""), window(Map.of()), -1)
            .edits()
            .toString()
            .contains("no named data sources"));
  }
}
