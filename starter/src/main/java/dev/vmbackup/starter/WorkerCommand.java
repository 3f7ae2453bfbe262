package dev.vmbackup.starter;

import io.micronaut.context.ApplicationContext;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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

  @Override
  public Integer call() throws InterruptedException {
    Map<String, Object> properties = new HashMap<>();
    properties.put("vmbackup.host", options.effectiveHost());
    properties.put("vmbackup.repository", options.effectiveRepository());
    properties.put("vmbackup.state-dir", options.stateDir());
    properties.put("vmbackup.namespace", options.namespace);
    properties.put("vmbackup.run-workflows", !noWorkflows);
    properties.put("vmbackup.max-concurrent-host-activities", maxConcurrent);
    properties.put("vmbackup.copy-bandwidth-mib", copyBandwidth);
    properties.put("vmbackup.merge-bandwidth-mib", mergeBandwidth);
    String address = options.temporalAddress();
    if (address != null) {
      properties.put("vmbackup.temporal-address", address);
    }
    ApplicationContext context = ApplicationContext.builder().properties(properties).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      context.close();
      stopped.countDown();
    }, "vmbackup-shutdown"));
    stopped.await();
    return 0;
  }
}
