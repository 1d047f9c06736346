package dev.coxswain.server.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.protocol.Json;
import dev.coxswain.server.ServerProcess;
import dev.coxswain.server.TestRuns;
import dev.coxswain.trainer.device.Libtorch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Your own libtorch: {@code scripts/libtorch-env.sh} (what the launcher runs for {@code --libtorch
 * DIR} and {@code COXSWAIN_LIBTORCH}) checks the directory and sets what DJL needs, and a real JVM
 * started with that environment trains on it. The stand-in for a CUDA libtorch is the CPU libtorch
 * DJL extracted for this very JVM, seen through a directory of links of its own, so that the run
 * can only name that directory if DJL really loaded libtorch from it.
 */
class LibtorchRouteTest {
  private static final Path ROOT =
      Path.of(System.getProperty("coxswain.root", "..")).toAbsolutePath().normalize();

  @TempDir Path dir;

  private record Script(int code, String out, String err) {}

  private Script envFor(Path libtorch) throws Exception {
    Path out = dir.resolve("env-out.txt");
    Path err = dir.resolve("env-err.txt");
    Process p =
        new ProcessBuilder(ROOT.resolve("scripts/libtorch-env.sh").toString(), libtorch.toString())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "libtorch-env.sh returns");
    return new Script(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** A directory of links to each file of the libtorch this JVM loaded. */
  private Path standIn() throws IOException {
    // this JVM's engine is loaded here, so DJL has extracted its libtorch: it exists, always
    Path loaded = Path.of(Libtorch.loaded().path());
    Path links = Files.createDirectories(dir.resolve("my-libtorch"));
    try (Stream<Path> files = Files.list(loaded)) {
      for (Path f : files.toList()) {
        Files.createSymbolicLink(links.resolve(f.getFileName()), f);
      }
    }
    return links;
  }

  @Test
  @SuppressWarnings("unchecked")
  void aJvmStartedWithTheCheckedEnvironmentTrainsOnThatLibtorchAndRunJsonNamesIt()
      throws Exception {
    Path mine = standIn();
    Script s = envFor(mine);
    assertEquals(0, s.code(), s.err());
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : s.out().lines().toList()) {
      env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
    }
    assertEquals(mine.toRealPath().toString(), env.get("PYTORCH_LIBRARY_PATH"));
    assertEquals("2.7.1", env.get("PYTORCH_VERSION"));
    assertEquals("cpu", env.get("PYTORCH_FLAVOR"));

    Path runDir = dir.resolve("runs/mine");
    try (ServerProcess p =
        ServerProcess.start(
            dir.resolve("logs"),
            env,
            "train",
            "--config",
            TestRuns.config(dir, 3, 0).toString(),
            "--max-steps",
            "3",
            "--run-dir",
            runDir.toString())) {
      assertEquals(0, p.awaitExit(120), p.output());
      Map<String, Object> device =
          (Map<String, Object>)
              Json.read(Files.readString(runDir.resolve("run.json")), Map.class).get("device");
      Map<String, Object> lt = (Map<String, Object>) device.get("libtorch");
      assertEquals(mine.toRealPath().toString(), lt.get("path"), "trained on my libtorch");
      assertEquals("cpu", lt.get("flavor"));
      assertEquals("2.7.1", lt.get("version"));
      assertEquals("cpu", device.get("name"), "auto on a CPU libtorch");
      assertTrue(p.output().contains("from " + mine.toRealPath()), p.output());
    }
  }

  @Test
  void aDirectoryWhoseLibrariesDoNotLoadStopsTheStartWithExit2AndNothingWritten() throws Exception {
    // every file the check asks for is there, and none of them is a library
    Path broken = Files.createDirectories(dir.resolve("broken"));
    for (String f : List.of("libtorch.so", "libtorch_cpu.so", "libc10.so")) {
      Files.writeString(broken.resolve(f), "not a library");
    }
    Script s = envFor(broken);
    assertEquals(0, s.code(), s.err());
    Map<String, String> env = new LinkedHashMap<>();
    s.out()
        .lines()
        .forEach(l -> env.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
    Path runDir = dir.resolve("runs/broken");
    try (ServerProcess p =
        ServerProcess.start(
            dir.resolve("logs-broken"),
            env,
            "train",
            "--config",
            TestRuns.config(dir, 3, 0).toString(),
            "--run-dir",
            runDir.toString())) {
      assertEquals(2, p.awaitExit(120), p.output());
      assertTrue(
          p.output().contains("error: libtorch could not be loaded from " + broken.toRealPath()),
          p.output());
      assertTrue(!Files.exists(runDir), "nothing written");
    }
  }

  @Test
  void aDirectoryThatIsNotACompleteLibtorchIsNamedWithTheMissingFile() throws Exception {
    Path partial = Files.createDirectories(dir.resolve("partial"));
    Files.writeString(partial.resolve("libtorch.so"), "");
    Files.writeString(partial.resolve("libc10.so"), "");
    Script s = envFor(partial);
    assertEquals(2, s.code());
    assertEquals("", s.out(), "nothing to set");
    assertEquals(1, s.err().lines().count(), s.err());
    assertTrue(s.err().contains("libtorch_cpu.so is missing"), s.err());

    // a CUDA libtorch lacking its CUDA half of c10
    Files.writeString(partial.resolve("libtorch_cpu.so"), "");
    Files.writeString(partial.resolve("libtorch_cuda.so"), "");
    s = envFor(partial);
    assertEquals(2, s.code());
    assertTrue(s.err().contains("libc10_cuda.so is missing"), s.err());

    s = envFor(dir.resolve("nowhere"));
    assertEquals(2, s.code());
    assertTrue(s.err().contains("'" + dir.resolve("nowhere") + "' does not exist"), s.err());
  }

  @Test
  void aLibtorchOfAnotherVersionIsRefusedNamingItsVersion() throws Exception {
    // a torch wheel's layout: torch/lib beside torch/version.py
    Path lib = Files.createDirectories(dir.resolve("torch/lib"));
    for (String f : List.of("libtorch.so", "libtorch_cpu.so", "libc10.so")) {
      Files.writeString(lib.resolve(f), "");
    }
    Files.writeString(dir.resolve("torch/version.py"), "__version__ = '2.5.1+cu124'\n");
    Script s = envFor(lib);
    assertEquals(2, s.code());
    assertTrue(
        s.err().contains("holds libtorch 2.5.1+cu124") && s.err().contains("2.7.1"), s.err());

    Files.writeString(dir.resolve("torch/version.py"), "__version__ = '2.7.1+cu128'\n");
    Files.writeString(lib.resolve("libtorch_cuda.so"), "");
    Files.writeString(lib.resolve("libc10_cuda.so"), "");
    s = envFor(lib);
    assertEquals(0, s.code(), s.err());
    assertTrue(s.out().contains("PYTORCH_FLAVOR=cu128"), s.out());
  }

  @Test
  void theLauncherChecksTheDirectoryBeforeItBuildsOrStartsAnything() throws Exception {
    for (List<String> how :
        List.of(
            List.of("train", "--libtorch", dir.resolve("nowhere").toString()),
            List.of("--libtorch=" + dir.resolve("nowhere"), "serve"))) {
      List<String> cmd = new java.util.ArrayList<>(List.of(ROOT.resolve("coxswain").toString()));
      cmd.addAll(how);
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the launcher returns at once");
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(2, p.exitValue(), out);
      assertEquals(
          "coxswain: libtorch directory '" + dir.resolve("nowhere") + "' does not exist\n", out);
    }
  }
}
