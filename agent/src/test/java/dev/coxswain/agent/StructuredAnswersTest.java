package dev.coxswain.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coxswain.agent.FakeOpenAi.Reply;
import dev.coxswain.agent.guard.Guardrails;
import dev.coxswain.agent.policy.Answer;
import dev.coxswain.agent.policy.OpenAiPolicy;
import dev.coxswain.agent.policy.PolicyException;
import dev.coxswain.agent.prompt.PromptTemplate;
import dev.coxswain.protocol.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Answers true to a schema: what the requests carry, what it buys, and the prompt-only fallback.
 */
class StructuredAnswersTest {
  private final FakeOpenAi llm;

  StructuredAnswersTest() throws Exception {
    llm = new FakeOpenAi();
  }

  @AfterEach
  void close() {
    llm.close();
  }

  private OpenAiPolicy policy(String prompt) throws Exception {
    Guardrails.Config g =
        prompt.equals("supervisor")
            ? Guardrails.Config.supervisor()
            : Guardrails.Config.lrRecovery();
    return new OpenAiPolicy(
        new OpenAiPolicy.Options(
            llm.baseUrl(), "sk-test-key-123", "o4-mini", "low", 2000, Duration.ofSeconds(10)),
        PromptTemplate.load(prompt, null),
        g.permitted(),
        100);
  }

  private JsonNode request(int i) throws Exception {
    return Json.mapper().readTree(llm.requests().get(i));
  }

  @Test
  void lrRecoveryRequestsCarryAStrictJsonSchemaWithTheActionEnum() throws Exception {
    llm.then(FakeOpenAi.decision("halve", "noisy"));
    policy("lr-recovery").decide(OpenAiPolicyTest.summary());
    JsonNode rf = request(0).get("response_format");
    assertEquals("json_schema", rf.get("type").asText(), rf.toString());
    assertTrue(rf.get("json_schema").get("strict").asBoolean(), rf.toString());
    assertEquals("coxswain_decision", rf.get("json_schema").get("name").asText());
    JsonNode schema = rf.get("json_schema").get("schema");
    assertEquals(
        "[\"double\",\"halve\",\"keep\"]", schema.at("/properties/action/enum").toString());
    assertEquals("string", schema.at("/properties/rationale/type").asText());
    assertEquals("[\"action\",\"rationale\"]", schema.get("required").toString());
    assertFalse(schema.get("additionalProperties").asBoolean());
    assertFalse(request(0).toString().contains("sk-test-key-123"), "no key in the body");
  }

  @Test
  void supervisorRequestsCarryStrictToolsWithTheKnobsBounds() throws Exception {
    llm.then(new FakeOpenAi.Tool("keep", "{\"rationale\":\"fine\"}", 800, 40));
    policy("supervisor").decide(OpenAiPolicyTest.summary());
    JsonNode req = request(0);
    assertEquals("required", req.get("tool_choice").asText(), "every answer is a tool call");
    List<String> names = new ArrayList<>();
    for (JsonNode t : req.get("tools")) {
      JsonNode f = t.get("function");
      names.add(f.get("name").asText());
      assertTrue(f.get("strict").asBoolean(), f.toString());
      JsonNode params = f.get("parameters");
      assertFalse(params.get("additionalProperties").asBoolean(), f.toString());
      List<String> props = new ArrayList<>();
      params.get("properties").fieldNames().forEachRemaining(props::add);
      List<String> required = new ArrayList<>();
      params.get("required").forEach(r -> required.add(r.asText()));
      assertEquals(props, required, "every property required: " + f);
    }
    assertEquals(
        List.of(
            "evaluate",
            "keep",
            "load_checkpoint",
            "note",
            "save_checkpoint",
            "scale_knob",
            "set_knobs"),
        names,
        "the permitted commands");
    JsonNode set = tool(req, "set_knobs").get("parameters").get("properties");
    assertEquals("[\"number\",\"null\"]", set.at("/lr/type").toString());
    assertEquals(1e-12, set.at("/lr/minimum").asDouble());
    assertEquals(10.0, set.at("/lr/maximum").asDouble(), "the knob's bounds: " + set);
    assertEquals(1.0, set.at("/weight_decay/maximum").asDouble());
    JsonNode scale = tool(req, "scale_knob").get("parameters").get("properties");
    assertEquals(
        "[\"lr\"]", scale.at("/knob/enum").toString(), "only a log knob is scaled: " + scale);
    assertEquals(0.5, scale.at("/factor/minimum").asDouble());
    assertEquals(2.0, scale.at("/factor/maximum").asDouble());
  }

  private static JsonNode tool(JsonNode req, String name) {
    for (JsonNode t : req.get("tools")) {
      if (t.get("function").get("name").asText().equals(name)) {
        return t.get("function");
      }
    }
    throw new AssertionError("no tool " + name);
  }

  /** Answers a model might give, a third of which this policy cannot use as they are. */
  private static Reply[] lrScript() {
    return new Reply[] {
      FakeOpenAi.decision("triple", "more!"),
      FakeOpenAi.decision("halve", "noisy"),
      new FakeOpenAi.Text("I think you should lower it a bit", 50, 10, 0),
      FakeOpenAi.decision("keep", "fine"),
      new FakeOpenAi.Text("{\"action\": \"HALVE!\", \"rationale\": \"x\"}", 50, 10, 0),
      FakeOpenAi.decision("double", "slow"),
      FakeOpenAi.decision("keep", "fine"),
      FakeOpenAi.decision("keep", "fine"),
      FakeOpenAi.decision("halve", "noisy"),
    };
  }

  private static Reply[] toolScript() {
    return new Reply[] {
      new FakeOpenAi.Tool("triple_lr", "{\"rationale\":\"more\"}", 80, 10),
      new FakeOpenAi.Tool(
          "scale_knob", "{\"knob\":\"lr\",\"factor\":0.5,\"rationale\":\"a\"}", 80, 10),
      new FakeOpenAi.Tool(
          "set_knobs", "{\"knob\":\"lr\",\"value\":\"fast\",\"rationale\":\"b\"}", 80, 10),
      new FakeOpenAi.Tool(
          "set_knobs", "{\"lr\":0.005,\"weight_decay\":null,\"rationale\":\"c\"}", 80, 10),
      new FakeOpenAi.Text("lower it", 50, 10, 0),
      new FakeOpenAi.Tool("keep", "{\"rationale\":\"d\"}", 80, 10),
      new FakeOpenAi.Tool("set_knobs", "{\"rationale\":\"nothing\"}", 80, 10),
      new FakeOpenAi.Tool("keep", "{\"rationale\":\"e\"}", 80, 10),
      new FakeOpenAi.Tool("keep", "{\"rationale\":\"f\"}", 80, 10),
    };
  }

  /** Decisions whose first answer could not be used (asked again, or refused twice). */
  private int invalid(OpenAiPolicy p, int decisions) {
    int bad = 0;
    for (int i = 0; i < decisions; i++) {
      try {
        Answer a = p.decide(OpenAiPolicyTest.summary());
        bad += a.attempts() > 1 ? 1 : 0;
      } catch (PolicyException e) {
        bad++;
      }
    }
    return bad;
  }

  @Test
  void invalidAnswersFallToZeroWhenTheSchemaIsHonoured() throws Exception {
    llm.then(lrScript());
    int ignored = invalid(policy("lr-recovery"), 3);
    assertTrue(ignored >= 2, "without the schema the bad answers get through: " + ignored);
    llm.clear().then(toolScript());
    int ignoredTools = invalid(policy("supervisor"), 3);
    assertTrue(ignoredTools >= 2, "without the schema bad tool calls get through: " + ignoredTools);

    llm.clear().schemas(FakeOpenAi.Schemas.HONOUR);
    llm.then(lrScript()).always(FakeOpenAi.decision("keep", "fine"));
    int before = llm.requests().size();
    assertEquals(0, invalid(policy("lr-recovery"), 6), "every answer true to the schema");
    assertEquals(6, llm.requests().size() - before, "one call per decision: no re-asks");
    assertEquals(3, llm.suppressed(), "the three unusable answers were never produced");
    llm.then(toolScript()).always(new FakeOpenAi.Tool("keep", "{\"rationale\":\"z\"}", 80, 10));
    OpenAiPolicy sup = policy("supervisor");
    assertEquals(0, invalid(sup, 5), "every tool call true to its schema");
    assertEquals(3 + 4, llm.suppressed(), "unknown tool, a string value, prose, no knob");
  }

  @Test
  void theStrictFormOfSetKnobsBecomesTheKnobsToChange() throws Exception {
    llm.schemas(FakeOpenAi.Schemas.HONOUR)
        .then(
            new FakeOpenAi.Tool(
                "set_knobs", "{\"lr\":0.005,\"weight_decay\":null,\"rationale\":\"c\"}", 80, 10));
    Answer a = policy("supervisor").decide(OpenAiPolicyTest.summary());
    assertEquals(java.util.Map.of("lr", 0.005), a.decision().args());
    assertEquals("c", a.decision().rationale());
  }

  @Test
  void aProviderThatRefusesToolSchemasGetsThePromptOnlyFormFromThenOn() throws Exception {
    llm.schemas(FakeOpenAi.Schemas.REFUSE)
        .always(
            new FakeOpenAi.Text(
                "{\"action\":\"scale_knob\",\"args\":{\"knob\":\"lr\",\"factor\":0.5},"
                    + "\"rationale\":\"noisy\"}",
                700,
                60,
                0));
    OpenAiPolicy p = policy("supervisor");
    Answer first = p.decide(OpenAiPolicyTest.summary());
    assertEquals("scale_knob", first.decision().action());
    assertTrue(first.note().contains("refused structured answers"), first.note());
    assertFalse(p.structured());
    Answer second = p.decide(OpenAiPolicyTest.summary());
    assertNull(second.note(), "said once");
    assertEquals(1, llm.refused());
    assertEquals(3, llm.requests().size(), "refused, asked again at once, then prompt-only");
    assertTrue(request(0).has("tools"));
    for (int i = 1; i < 3; i++) {
      assertFalse(request(i).has("tools"), request(i).toString());
      assertFalse(request(i).has("response_format"), request(i).toString());
    }
  }
}
