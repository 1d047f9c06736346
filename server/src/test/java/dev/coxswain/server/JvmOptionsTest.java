package dev.coxswain.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** jvm.options is the one place the JVM options are written, and every reader sees the same. */
class JvmOptionsTest {
  private static final Path ROOT = RepositoryRoot.find();

  @Test
  void theJarCarriesTheRootFileAndItsOptionsAreWhatDjlAndHazelcastNeed() throws Exception {
    List<String> fromJar = JvmOptions.required();
    assertEquals(JvmOptions.parse(Files.readString(ROOT.resolve("jvm.options"))), fromJar);
    assertTrue(fromJar.contains("-Dai.djl.offline=true"), fromJar.toString());
    assertTrue(
        fromJar.contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"), fromJar.toString());
  }

  @Test
  void thisTestJvmWasStartedWithThem() {
    // surefire's argLine passes @jvm.options: java expands it before the JVM starts
    assertEquals("true", System.getProperty("ai.djl.offline"));
    List<String> args =
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments();
    assertTrue(args.containsAll(JvmOptions.required()), args.toString());
  }

  @Test
  void theJarManifestNamesTheSameModulesForABareJavaJar() throws Exception {
    String pom = Files.readString(ROOT.resolve("server/pom.xml"));
    List<String> options = JvmOptions.required();
    assertEquals(modules(options, "--add-opens="), manifestEntry(pom, "Add-Opens"));
    assertEquals(modules(options, "--add-exports="), manifestEntry(pom, "Add-Exports"));
  }

  @Test
  void commentsAndBlankLinesAreSkippedAndALineMayHoldSeveralOptions() {
    assertEquals(
        List.of("-Da=1", "-Db=2", "--add-opens=x/y=ALL-UNNAMED"),
        JvmOptions.parse("# a comment\n\n  -Da=1 -Db=2\n--add-opens=x/y=ALL-UNNAMED\n"));
  }

  @Test
  void quotesAreRefusedNamingTheLine() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> JvmOptions.parse("-Da=1\n-Dname=\"two words\"\n"));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
  }

  private static List<String> modules(List<String> options, String prefix) {
    return options.stream()
        .filter(o -> o.startsWith(prefix))
        .map(o -> o.substring(prefix.length()).replace("=ALL-UNNAMED", ""))
        .sorted()
        .toList();
  }

  private static List<String> manifestEntry(String pom, String name) {
    Matcher m = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(pom);
    assertTrue(m.find(), name + " in server/pom.xml");
    return Arrays.stream(m.group(1).trim().split("\\s+")).sorted().toList();
  }
}
