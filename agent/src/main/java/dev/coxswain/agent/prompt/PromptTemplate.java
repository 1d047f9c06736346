package dev.coxswain.agent.prompt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A prompt file from {@code prompts/}: comment lines starting with {@code #}, then a {@code ##
 * system} and a {@code ## user} section, with {@code {{name}}} placeholders.
 */
public final class PromptTemplate {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z_]+)}}");
  private final String name;
  private final String system;
  private final String user;

  private PromptTemplate(String name, String system, String user) {
    this.name = name;
    this.system = system;
    this.user = user;
  }

  /** The known prompts. */
  public static final Set<String> NAMES = Set.of("lr-recovery", "supervisor");

  /**
   * Loads a prompt by name from {@code dir} if given and present there, else from the classpath.
   *
   * @throws IOException naming the prompt when it does not exist or is malformed
   */
  public static PromptTemplate load(String name, Path dir) throws IOException {
    if (name == null || !name.matches("[a-z][a-z0-9-]{0,40}")) {
      throw new IOException("unknown prompt '" + name + "'; known: " + NAMES);
    }
    String text;
    if (dir != null && Files.exists(dir.resolve(name + ".txt"))) {
      text = Files.readString(dir.resolve(name + ".txt"));
    } else {
      try (InputStream in = PromptTemplate.class.getResourceAsStream("/prompts/" + name + ".txt")) {
        if (in == null) {
          throw new IOException("unknown prompt '" + name + "'; known: " + NAMES);
        }
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
    return parse(name, text);
  }

  static PromptTemplate parse(String name, String text) throws IOException {
    int s = text.indexOf("## system\n");
    int u = text.indexOf("## user\n");
    if (s < 0 || u < s) {
      throw new IOException(
          "prompt '" + name + "' needs a '## system' section followed by a '## user' section");
    }
    return new PromptTemplate(
        name, text.substring(s + 10, u).strip(), text.substring(u + 8).strip());
  }

  public String name() {
    return name;
  }

  /** Placeholders used by both sections. */
  public Set<String> placeholders() {
    Set<String> out = new LinkedHashSet<>();
    for (String part : new String[] {system, user}) {
      Matcher m = PLACEHOLDER.matcher(part);
      while (m.find()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  /** The system message with values filled in. */
  public String system(Map<String, String> values) {
    return fill(system, values);
  }

  /** The user message with values filled in. */
  public String user(Map<String, String> values) {
    return fill(user, values);
  }

  private String fill(String part, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(part);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String v = values.get(m.group(1));
      if (v == null) {
        throw new IllegalArgumentException(
            "prompt '" + name + "' needs a value for {{" + m.group(1) + "}}");
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(v));
    }
    m.appendTail(sb);
    return sb.toString();
  }
}
