package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.agent.AgentSettings;
import dev.coxswain.protocol.Json;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A wrong agent configuration fails at start with a message, before anything runs. */
class AgentOptionsTest {
  private static ServeCommand parse(String... args) {
    ServeCommand c = new ServeCommand();
    new CommandLine(c).parseArgs(args);
    return c;
  }

  @Test
  void openaiNeedsAKeyAValidUrlAndAKnownPrompt() throws Exception {
    IllegalArgumentException noKey =
        assertThrows(
            IllegalArgumentException.class,
            () -> parse("--agent", "openai").agentSettings(Map.of()));
    assertTrue(noKey.getMessage().contains("OPENAI_API_KEY"));
    IllegalArgumentException badUrl =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                parse("--agent", "openai")
                    .agentSettings(
                        Map.of("OPENAI_API_KEY", "sk-x", "OPENAI_BASE_URL", "localhost:9")));
    assertTrue(badUrl.getMessage().contains("base URL"), badUrl.getMessage());
    IOException prompt =
        assertThrows(
            IOException.class,
            () -> parse("--agent", "rule", "--agent-prompt", "haiku").agentSettings(Map.of()));
    assertTrue(prompt.getMessage().contains("unknown prompt 'haiku'"));
    assertThrows(
        IllegalArgumentException.class, () -> parse("--agent", "psychic").agentSettings(Map.of()));
    // by default: the rule policy, or OpenAI when a key is set
    assertEquals("rule", parse().agentSettings(Map.of()).mode());
    assertEquals("openai", parse().agentSettings(Map.of("OPENAI_API_KEY", "sk-x")).mode());
    assertEquals("rule", parse().agentSettings(Map.of("OPENAI_API_KEY", " ")).mode());
    assertNull(parse("--agent", "off").agentSettings(Map.of("OPENAI_API_KEY", "sk-x")));
    IllegalArgumentException noJournal =
        assertThrows(
            IllegalArgumentException.class,
            () -> parse("--agent", "replay").agentSettings(Map.of()));
    assertTrue(noJournal.getMessage().contains("--agent-replay"));
    assertThrows(
        IOException.class,
        () ->
            parse("--agent", "replay", "--agent-replay", "/nonexistent/agent.jsonl")
                .agentSettings(Map.of()));
  }

  @Test
  void theDescriptionInRunJsonHasNoKey() throws Exception {
    AgentSettings a =
        parse("--agent", "openai", "--agent-every", "25")
            .agentSettings(
                Map.of(
                    "OPENAI_API_KEY",
                    "sk-very-secret",
                    "OPENAI_BASE_URL",
                    "http://127.0.0.1:1/v1"));
    String json = Json.write(a.describe());
    assertFalse(json.contains("sk-very-secret"), json);
    assertEquals(25, a.describe().get("every"));
    assertEquals("127.0.0.1", a.describe().get("endpoint_host"));
  }

  @Test
  void resumeRebuildsTheAgentFromRunJsonWithTheKeyFromTheEnvironment() throws Exception {
    AgentSettings a =
        parse("--agent", "openai", "--agent-every", "25", "--agent-prompt", "supervisor")
            .agentSettings(
                Map.of("OPENAI_API_KEY", "sk-1", "OPENAI_BASE_URL", "http://127.0.0.1:1/v1"));
    Object section = Json.mapper().readValue(Json.write(a.describe()), Map.class);
    IllegalArgumentException noKey =
        assertThrows(
            IllegalArgumentException.class, () -> AgentSettings.fromRunJson(section, Map.of()));
    assertTrue(noKey.getMessage().contains("OPENAI_API_KEY"));
    AgentSettings back =
        AgentSettings.fromRunJson(
            section, Map.of("OPENAI_API_KEY", "sk-2", "OPENAI_BASE_URL", "http://127.0.0.1:2/v1"));
    assertEquals("supervisor", back.prompt());
    assertEquals(25, back.config().every());
    assertEquals("o4-mini", back.openai().model());
    assertNull(AgentSettings.fromRunJson(Map.of("mode", "off"), Map.of()));
    assertNull(AgentSettings.fromRunJson(null, Map.of()));
  }
}
