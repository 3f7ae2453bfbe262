package dev.vmbackup.starter;

import dev.vmbackup.worker.TemporalConnection;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "worker", mixinStandardHelpOptions = true,
    description = "Run this host's worker: it executes the workflows and this host's backup actions until stopped.")
class WorkerCommand implements Callable<Integer> {
  @Mixin GlobalOptions options;

  @Option(names = "--no-workflows", description = "Only run this host's actions, not workflow decisions.")
  boolean noWorkflows;

  @Option(names = "--max-concurrent", paramLabel = "N", defaultValue = "4",
      description = "Host actions (copies, merges, ...) run at once on this host. Default: ${DEFAULT-VALUE}.")
  int maxConcurrent;

  @Option(names = "--copy-bandwidth", paramLabel = "MIB_PER_S", defaultValue = "0",
      description = "Limit copies into and out of the repository to this many MiB/s (0: no limit).")
  long copyBandwidth;

  @Option(names = "--merge-bandwidth", paramLabel = "MIB_PER_S", defaultValue = "0",
      description = "Limit block commits to this many MiB/s (0: no limit).")
  long mergeBandwidth;

  @Option(names = "--http-port", defaultValue = "9464",
      description = "Port of /health and /prometheus (0: any free port, -1: none). Default: ${DEFAULT-VALUE}.")
  int httpPort;

  @Option(names = "--http-bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address of /health and /prometheus; metrics name hosts and VMs, so loopback unless a scraper"
          + " elsewhere needs them. Default: ${DEFAULT-VALUE}.")
  String httpBind;

  @Override
  public Integer call() throws InterruptedException {
    // A bad configuration file stops the worker here, with one line, before it polls for anything.
    options.hostConfig();
    Map<String, Object> properties = new HashMap<>(MicronautProperties.common(options));
    properties.put("vmbackup.run-workflows", !noWorkflows);
    properties.put("vmbackup.max-concurrent-host-activities", maxConcurrent);
    properties.put("vmbackup.copy-bandwidth-mib", copyBandwidth);
    properties.put("vmbackup.merge-bandwidth-mib", mergeBandwidth);
    TemporalConnection connection = options.connection(TemporalConnection.DEFAULT_ADDRESS);
    ApplicationContext context;
    if (httpPort < 0) {
      context = ApplicationContext.builder().properties(properties).singletons(connection).start();
    } else {
      properties.put("micronaut.server.port", httpPort == 0 ? -1 : httpPort);
      properties.put("micronaut.server.host", httpBind);
      context = Micronaut.build(new String[0]).banner(false).properties(properties).singletons(connection).start();
    }
    MicronautProperties.awaitShutdown(context, httpPort >= 0);
    return 0;
  }
}
