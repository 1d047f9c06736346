package dev.coxswain.server;

import dev.coxswain.experiment.BenchmarkCommand;
import dev.coxswain.experiment.ExperimentCommand;
import dev.coxswain.run.Provenance;
import dev.coxswain.server.cli.BenchAgentCommand;
import dev.coxswain.server.cli.BenchAllCommand;
import dev.coxswain.server.cli.BenchCommand;
import dev.coxswain.server.cli.BenchServerCommand;
import dev.coxswain.server.cli.GpuCheckCommand;
import dev.coxswain.server.cli.ReportCommand;
import dev.coxswain.server.cli.ResumeCommand;
import dev.coxswain.server.cli.ServeCommand;
import dev.coxswain.server.cli.ServerCommand;
import dev.coxswain.server.cli.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one runnable jar: {@code java -jar coxswain.jar <command>}. */
@Command(
    name = "coxswain",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Steer DJL training while it runs.",
    // the launcher's own verbs: the jar cannot run them, but a person reading this help needs them
    footer = {
      "",
      "Through the launcher (./coxswain) also:",
      "  test [mvn args]        every test of every module (mvn verify)",
      "  example fashion-mnist  your own model: a Fashion-MNIST CNN under the console",
      "  example easytrain      DJL's own EasyTrain.fit under the console (TrainerAdapter)",
      "  bench-console          the web console with 300,000 points per series",
      "Options of a command: COMMAND --help"
    },
    subcommands = {
      ServeCommand.class,
      ServerCommand.class,
      TrainCommand.class,
      ResumeCommand.class,
      BenchCommand.class,
      BenchServerCommand.class,
      BenchAgentCommand.class,
      BenchAllCommand.class,
      GpuCheckCommand.class,
      ExperimentCommand.class,
      BenchmarkCommand.class,
      ReportCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  public static void main(String[] args) {
    if (System.getProperty("ai.djl.offline") == null) {
      // DJL must never reach for the network: the natives ship inside the jar.
      System.setProperty("ai.djl.offline", "true");
    }
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.err);
  }

  /** Prints the version from the build. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"coxswain " + Provenance.version()};
    }
  }
}
