package dev.coxswain.agent.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coxswain.agent.FakeOpenAi;
import dev.coxswain.agent.TestKnobs;
import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.prompt.PromptTemplate;
import dev.coxswain.agent.summary.Summary;
import dev.coxswain.protocol.ActionSpec;
import dev.coxswain.protocol.Json;
import dev.coxswain.protocol.Knob;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The supervisor's tools are generated from what the run registered: typed, bounded knob
 * properties, scaling only for log knobs, a tool per action the agent may call; and a tool call
 * becomes the right command, the guardrails checking it by the knob's or action's own spec.
 */
class RegisteredToolsTest {
  private final FakeOpenAi llm;

  RegisteredToolsTest() throws Exception {
    llm = new FakeOpenAi();
  }

  @AfterEach
  void close() {
    llm.close();
  }

  static final ActionSpec FREEZE =
      new ActionSpec(
          "freeze_d",
          "freeze the discriminator",
          true,
          List.of(
              ActionSpec.Field.integer("steps", 1, 100, "how many steps"),
              ActionSpec.Field.choice("part", List.of("head", "all"), "which part").optional()));
  static final ActionSpec REINIT = new ActionSpec("reinit_d", "a person's", false, List.of());
  static final ActionSpec KEEP_EMA = new ActionSpec("keep", "keep an EMA copy", true, List.of());

  /** A GAN-like run: two learning rates, an integer, a boolean, a choice and a linear real. */
  static Summary gan(List<ActionSpec> actions, boolean lockD) {
    Summary.Series loss =
        new Summary.Series(List.of(new Summary.Point(100, 2.0)), 2.0, -0.1, 0.01, 2.0, 100);
    List<Summary.KnobView> knobs =
        List.of(
            TestKnobs.lr("lr_g", 2e-4, 1e-6, 1e-2, false),
            TestKnobs.lr("lr_d", 2e-4, 1e-6, 1e-2, lockD),
            view(Knob.integer("n_critic").bounds(1, 10).initial(2).build()),
            view(Knob.bool("use_ema").build()),
            view(Knob.choice("schedule", "cosine", "step").build()),
            view(Knob.real("momentum").bounds(0, 1).initial(0.1).build()));
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
            knobs,
            List.of(),
            2.1,
            2.0)
        .withActions(actions);
  }

  private static Summary.KnobView view(Knob k) {
    return new Summary.KnobView(k, false);
  }

  private static Optional<ToolSpecification> tool(List<ToolSpecification> tools, String name) {
    return tools.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  private static JsonNode prop(ToolSpecification t, String name) throws Exception {
    return Json.mapper().readTree(((JsonRawSchema) t.parameters().properties().get(name)).schema());
  }

  @Test
  void theKnobToolCarriesEachKnobsTypeAndBoundsAndScalingIsForLogKnobsOnly() throws Exception {
    Set<String> permitted = Guardrails.Config.supervisor().permitted();
    List<ToolSpecification> tools = Schemas.tools(permitted, gan(List.of(), false));
    ToolSpecification set = tool(tools, "set_knobs").orElseThrow();
    assertEquals("[\"number\",\"null\"]", prop(set, "lr_d").get("type").toString());
    assertEquals(1e-6, prop(set, "lr_d").get("minimum").asDouble());
    assertEquals(1e-2, prop(set, "lr_d").get("maximum").asDouble());
    JsonNode critic = prop(set, "n_critic");
    assertEquals("[\"integer\",\"null\"]", critic.get("type").toString());
    assertEquals("1", critic.get("minimum").toString(), "whole-number bounds: " + critic);
    assertEquals("10", critic.get("maximum").toString());
    assertEquals("[\"boolean\",\"null\"]", prop(set, "use_ema").get("type").toString());
    assertEquals("[\"cosine\",\"step\",null]", prop(set, "schedule").get("enum").toString());
    assertTrue(set.parameters().required().contains("n_critic"), "strict: every one required");
    ToolSpecification scale = tool(tools, "scale_knob").orElseThrow();
    String scaleParams = scale.parameters().properties().get("knob").toString();
    assertTrue(scaleParams.contains("lr_g") && scaleParams.contains("lr_d"), scaleParams);
    assertFalse(
        scaleParams.contains("n_critic") || scaleParams.contains("momentum"),
        "a linear or integer knob is set, never scaled: " + scaleParams);
    // a run without any log knob gets no scaling tool at all
    Summary flat =
        new Summary(
            1,
            10,
            "main",
            "running",
            Map.of(),
            Double.NaN,
            0,
            0,
            0,
            List.of(view(Knob.integer("n_critic").bounds(1, 10).initial(2).build())),
            List.of(),
            Double.NaN,
            Double.NaN);
    List<ToolSpecification> flatTools = Schemas.tools(permitted, flat);
    assertTrue(tool(flatTools, "scale_knob").isEmpty());
    assertTrue(tool(flatTools, "set_knobs").isPresent());
  }

  @Test
  void oneToolPerActionTheAgentMayCallWithItsFieldsRequiredOrNullable() throws Exception {
    Set<String> permitted = Guardrails.Config.supervisor().permitted();
    List<ToolSpecification> tools =
        Schemas.tools(permitted, gan(List.of(FREEZE, REINIT, KEEP_EMA), false));
    ToolSpecification freeze = tool(tools, "freeze_d").orElseThrow();
    JsonNode steps = prop(freeze, "steps");
    assertEquals("\"integer\"", steps.get("type").toString(), "required: not nullable");
    assertEquals("1", steps.get("minimum").toString());
    assertEquals("100", steps.get("maximum").toString());
    JsonNode part = prop(freeze, "part");
    assertEquals("[\"string\",\"null\"]", part.get("type").toString(), "optional: nullable");
    assertEquals("[\"head\",\"all\",null]", part.get("enum").toString());
    assertEquals(List.of("steps", "part", "rationale"), freeze.parameters().required());
    assertTrue(tool(tools, "reinit_d").isEmpty(), "a person's own action is not offered");
    assertTrue(tool(tools, "run_keep").isPresent(), "a name the agent uses gets a prefix");
    assertTrue(tool(tools, "run_action").isEmpty(), "no generic tool: one per action");
    Set<String> noActions = new java.util.HashSet<>(permitted);
    noActions.remove("run_action");
    assertTrue(
        tool(Schemas.tools(noActions, gan(List.of(FREEZE), false)), "freeze_d").isEmpty(),
        "not permitted: no action tools");
  }

  private OpenAiPolicy policy() throws Exception {
    return new OpenAiPolicy(
        new OpenAiPolicy.Options(
            llm.baseUrl(), "sk-test-key-123", "o4-mini", "low", 2000, Duration.ofSeconds(10)),
        PromptTemplate.load("supervisor", null),
        Guardrails.Config.supervisor().permitted(),
        100);
  }

  @Test
  void toolCallsBecomeTheRightCommandsAndUnknownOrPersonsToolsAreRefused() throws Exception {
    Summary s = gan(List.of(FREEZE, REINIT, KEEP_EMA), false);
    llm.then(
        new FakeOpenAi.Tool(
            "freeze_d", "{\"steps\":20,\"part\":null,\"rationale\":\"d too strong\"}", 80, 10),
        new FakeOpenAi.Tool("run_keep", "{\"rationale\":\"ema\"}", 80, 10),
        new FakeOpenAi.Tool(
            "set_knobs",
            "{\"use_ema\":true,\"schedule\":\"step\",\"n_critic\":3,\"lr_d\":null,"
                + "\"rationale\":\"x\"}",
            80,
            10),
        new FakeOpenAi.Tool("reinit_d", "{\"rationale\":\"reset\"}", 80, 10),
        new FakeOpenAi.Tool("reinit_d", "{\"rationale\":\"reset\"}", 80, 10),
        new FakeOpenAi.Tool("set_knobs", "{\"use_ema\":3,\"rationale\":\"x\"}", 80, 10),
        new FakeOpenAi.Tool("set_knobs", "{\"use_ema\":3,\"rationale\":\"x\"}", 80, 10));
    OpenAiPolicy p = policy();
    Decision freeze = p.decide(s).decision();
    assertEquals("run_action", freeze.action());
    assertEquals(Map.of("action", "freeze_d", "steps", 20), freeze.args());
    assertEquals(Map.of("action", "keep"), p.decide(s).decision().args());
    Decision set = p.decide(s).decision();
    assertEquals("set_knobs", set.action());
    assertEquals(Map.of("use_ema", true, "schedule", "step", "n_critic", 3), set.args());
    PolicyException persons = assertThrows(PolicyException.class, () -> p.decide(s));
    assertTrue(
        persons.getMessage().contains("unknown or unpermitted tool 'reinit_d'"),
        persons.getMessage());
    PolicyException typed = assertThrows(PolicyException.class, () -> p.decide(s));
    assertTrue(typed.getMessage().contains("'use_ema' must be true or false"), typed.getMessage());
    List<String> names = new ArrayList<>();
    Json.mapper()
        .readTree(llm.requests().get(0))
        .get("tools")
        .forEach(t -> names.add(t.at("/function/name").asText()));
    assertTrue(names.containsAll(List.of("set_knobs", "scale_knob", "freeze_d")), names.toString());
  }
}
