package dev.vmbackup.starter;

import dev.vmbackup.workflows.Validation;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "host", mixinStandardHelpOptions = true,
    description = "The host registry, whose hosts the globs of fleet policies match: every worker that runs host"
        + " actions registers its --host when it starts, and a host stays until it is forgotten.",
    subcommands = {HostCommand.ListHosts.class, HostCommand.Forget.class})
class HostCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the registered hosts, one a line.")
  static class ListHosts implements Callable<Integer> {
    @Mixin GlobalOptions options;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      List<String> hosts;
      try (TemporalSession session = TemporalSession.openRegistry(options)) {
        hosts = session.client().registeredHosts();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (options.json) {
        Output.json(out, Map.of("hosts", hosts));
        return 0;
      }
      if (hosts.isEmpty()) {
        out.println("no hosts registered");
        return 0;
      }
      hosts.forEach(out::println);
      return 0;
    }
  }

  @Command(name = "forget", mixinStandardHelpOptions = true,
      description = "Remove a decommissioned host from the registry, so that fleet policies' globs no longer select"
          + " it (its worker registers it again if it starts).")
  static class Forget implements Callable<Integer> {
    @Mixin GlobalOptions options;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The host, as its worker's --host named it.")
    String name;

    @Override
    public Integer call() {
      // A bad name is refused before anything connects, as every other command refuses its input.
      try {
        Validation.hostName(name);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      boolean forgotten;
      try (TemporalSession session = TemporalSession.openRegistry(options)) {
        forgotten = session.client().forgetHost(name);
      }
      if (!forgotten) {
        throw new UserError("host " + name + " is not registered (vmbackup host list shows those that are)");
      }
      spec.commandLine().getOut().printf("host %s forgotten: fleet policies' globs no longer select it%n", name);
      return 0;
    }
  }
}
