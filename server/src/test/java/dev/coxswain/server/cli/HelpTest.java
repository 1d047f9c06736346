package dev.coxswain.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --help} of the launcher and of the jar: every verb, one line each. */
class HelpTest {
  private static final Path ROOT =
      Path.of(System.getProperty("coxswain.root", "..")).toAbsolutePath().normalize();

  /** What the jar runs, and what only the launcher runs. */
  private static final List<String> JAR_VERBS =
      List.of(
          "serve",
          "server",
          "train",
          "resume",
          "bench",
          "bench-server",
          "bench-agent",
          "bench-all",
          "gpu-check",
          "experiment",
          "benchmark",
          "report");

  private static final List<String> LAUNCHER_VERBS = List.of("test", "example", "bench-console");

  @TempDir Path dir;

  private String launcher(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(ROOT.resolve("coxswain").toString()));
    cmd.addAll(List.of(args));
    Path out = dir.resolve("out.txt");
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "--help answers at once");
    assertEquals(0, p.exitValue(), Files.readString(out));
    return Files.readString(out);
  }

  @Test
  void theLauncherListsEveryVerbOnOneLineWithoutBuildingAnything() throws Exception {
    String help = launcher("--help");
    assertTrue(!help.contains("building"), "nothing built for --help: " + help);
    for (String verb : concat(JAR_VERBS, LAUNCHER_VERBS)) {
      long lines =
          help.lines()
              .filter(l -> l.matches("\\./coxswain " + verb + "( .*)?\\s{2,}\\S.*"))
              .count();
      assertEquals(1, lines, verb + " on one line of its own: " + help);
    }
    assertTrue(help.lines().allMatch(l -> l.startsWith("./coxswain ")), "no stray lines: " + help);
    assertTrue(help.lines().allMatch(l -> l.length() <= 100), help);
    assertEquals(help, launcher("-h"));
    assertEquals(help, launcher());
  }

  @Test
  void theJarListsItsVerbsOnOneLineEachAndNamesTheLaunchersOwn() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(new java.io.PrintWriter(new PrintStream(out, true, StandardCharsets.UTF_8), true));
    assertEquals(0, cl.execute("--help"));
    String help = out.toString(StandardCharsets.UTF_8);
    List<String> lines = help.lines().toList();
    int commands = lines.indexOf("Commands:");
    assertTrue(commands > 0, help);
    int end = commands + 1;
    while (end < lines.size() && !lines.get(end).isBlank()) {
      end++;
    }
    List<String> listed = lines.subList(commands + 1, end);
    for (String verb : JAR_VERBS) {
      assertEquals(
          1,
          listed.stream().filter(l -> l.matches("\\s+" + verb + "\\s{2,}\\S.*")).count(),
          verb + ": " + help);
    }
    assertEquals(JAR_VERBS.size() + 1, listed.size(), "one line each (and help): " + help);
    for (String verb : LAUNCHER_VERBS) {
      assertTrue(help.lines().anyMatch(l -> l.matches("\\s+" + verb + "\\b.*\\s{2,}\\S.*")), verb);
    }
    assertTrue(help.lines().allMatch(l -> l.length() <= 100), help);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
