package dev.vmbackup.starter;

import dev.vmbackup.starter.api.ApiTokens;
import dev.vmbackup.worker.TemporalConnection;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "server", mixinStandardHelpOptions = true,
    description = {"Serve the HTTP API: start backups, restores and prunes, follow them, list and verify backups,"
        + " manage policies. Needs a Temporal server (--temporal, default localhost:7233); workers run apart.",
        "With a token file, every request needs 'Authorization: Bearer TOKEN': a read token for GET (lists, status,"
        + " /prometheus) and the codec endpoint (POST /codec/decode, /codec/encode), an operate token for everything"
        + " else. /health and /openapi/vmbackup-0.1.yml stay open."
        + " Without tokens the server only binds a loopback address."})
class ServerCommand implements Callable<Integer> {
  @Mixin GlobalOptions options;

  @Option(names = "--port", defaultValue = "8080", description = "HTTP port. Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1",
      description = "Address to listen on; any but a loopback one needs tokens. Default: ${DEFAULT-VALUE}.")
  String bind;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "Tokens, one a line as ROLE:TOKEN with ROLE read or operate; # starts a comment"
          + " (default: $VMBACKUP_API_TOKEN_FILE).")
  Path tokenFile;

  @Option(names = "--token", hidden = true,
      description = "Deprecated: one operate token, visible to every local user in the process list; use --token-file.")
  String token;

  @Option(names = "--codec-cors-origin", paramLabel = "ORIGIN",
      description = "The Temporal Web UI's origin (e.g. https://temporal-ui.example.org:8233), allowed to call the"
          + " codec endpoint /codec/decode from the browser; needs --payload-key-file (default: none).")
  String codecCorsOrigin;

  @Override
  public Integer call() throws InterruptedException {
    ApiTokens tokens = tokens();
    if (tokens.isEmpty() && !loopback(bind)) {
      throw new UserError("refusing to serve the API on " + bind + " without tokens: give --token-file FILE"
          + " (lines ROLE:TOKEN), or bind a loopback address (--bind 127.0.0.1)");
    }
    TemporalConnection connection = options.connection(TemporalConnection.DEFAULT_ADDRESS);
    if (codecCorsOrigin != null) {
      checkOrigin(codecCorsOrigin);
      if (connection.payloadKeyFile() == null) {
        throw new UserError("--codec-cors-origin serves the codec endpoint, which needs the payload key: give"
            + " --payload-key-file FILE");
      }
    }
    Map<String, Object> properties = new HashMap<>(MicronautProperties.common(options));
    properties.put("vmbackup.worker.enabled", false);
    properties.put(ApiTokens.ENABLED, true);
    properties.put("micronaut.server.port", port);
    properties.put("micronaut.server.host", bind);
    // The API lists and verifies backups by reading their files, which a store does not have.
    properties.put("vmbackup.api.repository", options.filesRepository());
    if (codecCorsOrigin != null) {
      properties.put("vmbackup.api.codec-cors-origin", codecCorsOrigin);
    }
    ApplicationContext context = Micronaut.build(new String[0]).banner(false).properties(properties)
        .singletons(connection, tokens).start();
    int actualPort = context.getBean(EmbeddedServer.class).getPort();
    System.err.println("vmbackup: API on http://" + bind + ":" + actualPort + " (" + connection.describe()
        + (tokens.isEmpty() ? "; no tokens: open to local users" : "") + ")");
    MicronautProperties.awaitShutdown(context, true);
    return 0;
  }

  /** The token file's tokens, plus the deprecated single token of the command line or environment. */
  private ApiTokens tokens() {
    String fileName = tokenFile != null ? tokenFile.toString() : System.getenv("VMBACKUP_API_TOKEN_FILE");
    ApiTokens tokens;
    try {
      tokens = fileName == null || fileName.isBlank() ? ApiTokens.none() : ApiTokens.read(Path.of(fileName));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    String single = token != null ? token : System.getenv("VMBACKUP_API_TOKEN");
    return single == null || single.isBlank() ? tokens : tokens.plus(ApiTokens.Role.OPERATE, single);
  }

  /** A browser's Origin header is scheme://host[:port], nothing more; anything else would never match. */
  private static void checkOrigin(String origin) {
    java.net.URI uri;
    try {
      uri = new java.net.URI(origin);
    } catch (java.net.URISyntaxException e) {
      uri = null;
    }
    if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
        || !(uri.getRawPath() == null || uri.getRawPath().isEmpty()) || uri.getRawQuery() != null) {
      throw new UserError("--codec-cors-origin " + origin + " is not an origin: give scheme://host[:port], such as"
          + " http://localhost:8233, without a path");
    }
  }

  private static boolean loopback(String address) {
    try {
      for (InetAddress resolved : InetAddress.getAllByName(address)) {
        if (!resolved.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      throw new UserError("cannot resolve --bind " + address);
    }
  }
}
