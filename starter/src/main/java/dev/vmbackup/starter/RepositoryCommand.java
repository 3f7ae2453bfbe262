package dev.vmbackup.starter;

import dev.vmbackup.host.config.HostConfig;
import dev.vmbackup.store.ChunkStore;
import dev.vmbackup.store.StoreConfig;
import dev.vmbackup.workflows.Validation;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "repository", mixinStandardHelpOptions = true,
    description = "Manage the repositories of this host's configuration.",
    subcommands = {RepositoryCommand.Init.class})
class RepositoryCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Create the store repository NAME (kind store in the host configuration), empty, encrypted"
          + " with its keyFile if it names one. Refuses a place that already holds a store.",
          "Repositories of kind files need no init."})
  static class Init implements Callable<Integer> {
    @Mixin GlobalOptions options;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "A repository of kind store of the host configuration.")
    String name;

    @Override
    public Integer call() {
      HostConfig host = options.hostConfig();
      String checked;
      try {
        checked = Validation.configName("repository", name);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      HostConfig.Repository repository = host.repositories().get(checked);
      if (repository == null) {
        throw new UserError("repository '" + name + "' is not defined in this host's configuration (it defines "
            + String.join(", ", host.repositories().keySet()) + ")");
      }
      if (!repository.isStore()) {
        throw new UserError("repository " + name + " is of kind files: repositories of kind files need no init");
      }
      StoreConfig config;
      String location;
      try (StoreAccess access = StoreAccess.named(options, checked)) {
        ChunkStore store = access.init();
        config = store.config();
        location = access.location();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (options.json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("repository", checked);
        result.put("location", location);
        result.put("chunkSize", config.chunkSize());
        result.put("encrypted", config.encrypted());
        result.put("keyFingerprint", config.keyFingerprint());
        Output.json(out, result);
        return 0;
      }
      out.printf("store %s created at %s%n", checked, location);
      out.printf("chunk size: %s%n", Output.bytes(config.chunkSize()));
      out.printf("key fingerprint: %s%n", config.encrypted() ? config.keyFingerprint() : "not encrypted");
      return 0;
    }
  }
}
