package dev.vmbackup.starter;

import dev.vmbackup.worker.TemporalConnection;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How a command reaches Temporal. Each option falls back to an environment variable, so that a service
 * unit or a container can set them once; nothing here is a secret itself, only the names of files that
 * hold them.
 */
public class ConnectionOptions {
  @Option(names = "--temporal", paramLabel = "HOST:PORT",
      description = "Temporal frontend (default: $TEMPORAL_ADDRESS; else localhost:7233 if it answers; else an"
          + " embedded Temporal for the duration of the command).")
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

  /** The address the user gave, or null to let the command choose (localhost or embedded). */
  String address() {
    return temporal != null ? temporal : env("TEMPORAL_ADDRESS");
  }

  /** The connection to the address the user gave, else to {@code fallbackAddress}, checked now. */
  TemporalConnection connection(String fallbackAddress) {
    String address = address();
    String ns = namespace != null ? namespace : env("VMBACKUP_NAMESPACE");
    boolean useTls = tls || "true".equalsIgnoreCase(env("VMBACKUP_TLS")) || "1".equals(env("VMBACKUP_TLS"));
    try {
      TemporalConnection connection = new TemporalConnection(address != null ? address : fallbackAddress,
          ns != null ? ns : TemporalConnection.DEFAULT_NAMESPACE, useTls,
          file(tlsCa, "VMBACKUP_TLS_CA"), file(tlsCert, "VMBACKUP_TLS_CERT"), file(tlsKey, "VMBACKUP_TLS_KEY"),
          file(apiKeyFile, "VMBACKUP_API_KEY_FILE"), file(payloadKeyFile, "VMBACKUP_PAYLOAD_KEY_FILE"));
      // Reading the files now turns a wrong path into one clear line before anything starts.
      connection.stubsOptions();
      connection.payloadCodec();
      return connection;
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }

  private static Path file(Path option, String variable) {
    if (option != null) {
      return option.toAbsolutePath();
    }
    String value = env(variable);
    return value == null ? null : Path.of(value).toAbsolutePath();
  }

  private static String env(String name) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? null : value;
  }
}
