package dev.vmbackup.starter;

import dev.vmbackup.worker.TemporalConnection;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import io.micronaut.runtime.server.EmbeddedServer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "server", mixinStandardHelpOptions = true,
    description = {"Serve the HTTP API: start backups, restores and prunes, follow them, list and verify backups,"
        + " manage policies. Needs a Temporal server (--temporal, default localhost:7233); workers run apart.",
        "Open endpoints: /health, /prometheus, /openapi/vmbackup-0.1.yml. Everything under /api needs the bearer"
        + " token when one is set (--token or $VMBACKUP_API_TOKEN)."})
class ServerCommand implements Callable<Integer> {
  @Mixin GlobalOptions options;

  @Option(names = "--port", defaultValue = "8080", description = "HTTP port. Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on. Default: ${DEFAULT-VALUE}.")
  String bind;

  @Option(names = "--token", description = "Bearer token required on /api (default: $VMBACKUP_API_TOKEN).")
  String token;

  @Override
  public Integer call() throws InterruptedException {
    Map<String, Object> properties = new HashMap<>(MicronautProperties.common(options));
    properties.put("vmbackup.worker.enabled", false);
    properties.put("micronaut.server.port", port);
    properties.put("micronaut.server.host", bind);
    String apiToken = token != null ? token : System.getenv("VMBACKUP_API_TOKEN");
    if (apiToken != null && !apiToken.isBlank()) {
      properties.put("vmbackup.api.token", apiToken);
    }
    properties.put("vmbackup.api.repository", options.effectiveRepository());
    TemporalConnection connection = options.connection(TemporalConnection.DEFAULT_ADDRESS);
    ApplicationContext context = Micronaut.build(new String[0]).banner(false).properties(properties)
        .singletons(connection).start();
    int actualPort = context.getBean(EmbeddedServer.class).getPort();
    System.err.println("vmbackup: API on http://" + bind + ":" + actualPort + " (" + connection.describe() + ")");
    MicronautProperties.awaitShutdown(context, true);
    return 0;
  }
}
