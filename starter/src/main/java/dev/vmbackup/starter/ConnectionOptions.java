package dev.vmbackup.starter;

import dev.vmbackup.host.config.HostConfig;
import dev.vmbackup.worker.TemporalConnection;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Option;

/**
 * How a command reaches Temporal. Each option falls back to an environment variable, then to the host
 * configuration file's {@code temporal:} section, so that a service unit, a container or the host's file
 * can set them once; nothing here is a secret itself, only the names of files that hold them.
 */
public class ConnectionOptions {
  @Option(names = "--temporal", paramLabel = "HOST:PORT",
      description = "Temporal frontend (default: $TEMPORAL_ADDRESS; else temporal.address of the host configuration;"
          + " else localhost:7233 if it answers; else an embedded Temporal for the duration of the command). Every"
          + " connection option falls back to its variable, then to its key in the configuration's temporal: section.")
  String temporal;

  @Option(names = "--namespace", paramLabel = "NS",
      description = "Temporal namespace (default: $VMBACKUP_NAMESPACE or default).")
  String namespace;

  @Option(names = "--tls", description = "Connect to Temporal over TLS, trusting the system's CAs ($VMBACKUP_TLS=true).")
  boolean tls;

  @Option(names = "--tls-ca", paramLabel = "FILE",
      description = "PEM CA bundle that signs Temporal's certificate; implies --tls ($VMBACKUP_TLS_CA).")
  Path tlsCa;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "PEM client certificate for mutual TLS, with --tls-key; implies --tls ($VMBACKUP_TLS_CERT).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE",
      description = "PKCS#8 PEM private key of --tls-cert ($VMBACKUP_TLS_KEY).")
  Path tlsKey;

  @Option(names = "--api-key-file", paramLabel = "FILE",
      description = "File holding a Temporal API key, sent as a bearer token; implies --tls ($VMBACKUP_API_KEY_FILE).")
  Path apiKeyFile;

  @Option(names = "--payload-key-file", paramLabel = "FILE",
      description = "Encrypt workflow payloads (inputs, results, memos) with this key, made by 'vmbackup key create';"
          + " every worker and starter needs the same file ($VMBACKUP_PAYLOAD_KEY_FILE).")
  Path payloadKeyFile;

  /**
   * The address the user gave, or null to let the command choose (localhost or embedded): the option,
   * else {@code $TEMPORAL_ADDRESS}, else the configuration file's.
   */
  String address(HostConfig.Temporal file) {
    return address(file, nonBlank(System::getenv));
  }

  /**
   * The connection to the address the user gave, else to {@code fallbackAddress}, checked now: each setting
   * from its option, else its environment variable, else the configuration file's {@code temporal:} section,
   * else its default. Reading the files here turns a wrong path into one clear line before anything starts.
   */
  TemporalConnection connection(String fallbackAddress, HostConfig.Temporal file) {
    try {
      TemporalConnection connection = settings(fallbackAddress, file, System::getenv);
      connection.stubsOptions();
      connection.payloadCodec();
      return connection;
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }

  /**
   * The one merge of options, environment ({@code environment}, a variable lookup) and configuration file,
   * in that order of precedence, without reading any file. {@code VMBACKUP_TLS} set to anything but
   * {@code true} or {@code 1} turns off the file's {@code tls: true}; a CA, client certificate or API key
   * from any source still implies TLS.
   */
  TemporalConnection settings(String fallbackAddress, HostConfig.Temporal file, UnaryOperator<String> environment) {
    UnaryOperator<String> env = nonBlank(environment);
    String address = address(file, env);
    String tlsVariable = env.apply("VMBACKUP_TLS");
    boolean useTls = tls || (tlsVariable != null
        ? "true".equalsIgnoreCase(tlsVariable) || "1".equals(tlsVariable) : Boolean.TRUE.equals(file.tls()));
    return new TemporalConnection(address != null ? address : fallbackAddress,
        first(namespace, env.apply("VMBACKUP_NAMESPACE"), file.namespace(), TemporalConnection.DEFAULT_NAMESPACE),
        useTls,
        path(tlsCa, env.apply("VMBACKUP_TLS_CA"), file.tlsCa()),
        path(tlsCert, env.apply("VMBACKUP_TLS_CERT"), file.tlsCert()),
        path(tlsKey, env.apply("VMBACKUP_TLS_KEY"), file.tlsKey()),
        path(apiKeyFile, env.apply("VMBACKUP_API_KEY_FILE"), file.apiKeyFile()),
        path(payloadKeyFile, env.apply("VMBACKUP_PAYLOAD_KEY_FILE"), file.payloadKeyFile()));
  }

  private String address(HostConfig.Temporal file, UnaryOperator<String> env) {
    return first(temporal, env.apply("TEMPORAL_ADDRESS"), file.address(), null);
  }

  /** A variable set to blanks is as good as unset: a unit file's {@code Environment=X=} must not mean "". */
  private static UnaryOperator<String> nonBlank(UnaryOperator<String> environment) {
    return name -> {
      String value = environment.apply(name);
      return value == null || value.isBlank() ? null : value;
    };
  }

  /** An option's path (relative to the current directory), else the variable's, else the file's (absolute). */
  private static Path path(Path option, String variable, String fromFile) {
    String given = option != null ? option.toString() : first(variable, fromFile, null, null);
    return given == null ? null : Path.of(given).toAbsolutePath();
  }

  private static String first(String option, String variable, String fromFile, String otherwise) {
    return option != null ? option : variable != null ? variable : fromFile != null ? fromFile : otherwise;
  }
}
