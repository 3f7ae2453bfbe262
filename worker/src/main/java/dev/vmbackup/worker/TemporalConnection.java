package dev.vmbackup.worker;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.common.converter.GlobalDataConverter;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;

/**
 * How to reach Temporal, the one description of it that the worker, {@code vmbackup server}, the command
 * line and {@code VmBackupClient} all connect with.
 *
 * <p>Plain gRPC unless a TLS setting is given: {@code tls} alone trusts the system's CAs, {@code caFile}
 * trusts that PEM bundle instead, {@code certFile} with {@code keyFile} (PKCS#8 PEM) adds a client
 * certificate for mutual TLS. An {@code apiKeyFile} sends its content as {@code Authorization: Bearer}
 * on every call and implies TLS, because a bearer key must not cross the network in clear. Files are
 * read when {@link #connect()} builds the stubs; a missing or unreadable one is an
 * {@link IllegalArgumentException} naming the option and the file.
 *
 * <p>A {@code payloadKeyFile} ({@link PayloadKey}) makes every client of this connection, and so every
 * worker, encrypt the payloads it writes (workflow and activity inputs, results, memos, heartbeat
 * details, schedule actions, failure messages) with {@link AesGcmPayloadCodec}, and decrypt those it reads; payloads
 * written without a key are still read as they are.
 *
 * @param address Temporal frontend, {@code HOST:PORT}
 * @param namespace Temporal namespace
 * @param tls whether to use TLS with the system's trusted CAs even when no file below is given
 * @param caFile PEM CA bundle that signs the server's certificate, or null
 * @param certFile PEM client certificate (chain) for mutual TLS, or null; needs {@code keyFile}
 * @param keyFile PKCS#8 PEM private key of {@code certFile}, or null
 * @param apiKeyFile file whose content (trimmed) is the API key, or null
 * @param payloadKeyFile file holding the payload encryption key ({@link PayloadKey}), or null for payloads
 *     in clear
 */
public record TemporalConnection(String address, String namespace, boolean tls, Path caFile, Path certFile,
    Path keyFile, Path apiKeyFile, Path payloadKeyFile) {
  public static final String DEFAULT_ADDRESS = "127.0.0.1:7233";
  public static final String DEFAULT_NAMESPACE = "default";

  public TemporalConnection {
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException("the Temporal address is empty; give HOST:PORT");
    }
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("the Temporal namespace is empty");
    }
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together: give both for mutual TLS");
    }
  }

  /** A connection whose payloads are in clear: the form from before payload encryption existed. */
  public TemporalConnection(
      String address, String namespace, boolean tls, Path caFile, Path certFile, Path keyFile, Path apiKeyFile) {
    this(address, namespace, tls, caFile, certFile, keyFile, apiKeyFile, null);
  }

  /** A plain connection, as to the dev server or the embedded Temporal. */
  public static TemporalConnection plain(String address, String namespace) {
    return new TemporalConnection(address, namespace, false, null, null, null, null, null);
  }

  /** This connection with its payloads encrypted under the key in {@code file}. */
  public TemporalConnection withPayloadKeyFile(Path file) {
    return new TemporalConnection(address, namespace, tls, caFile, certFile, keyFile, apiKeyFile, file);
  }

  /** Whether the connection uses TLS: asked for, implied by a CA or client certificate, or by an API key. */
  public boolean secured() {
    return tls || caFile != null || certFile != null || apiKeyFile != null;
  }

  /** "Temporal at HOST:PORT" and how it is secured, for messages. */
  public String describe() {
    String how = certFile != null ? " (mutual TLS)" : secured() ? " (TLS)" : "";
    return "Temporal at " + address + how + (apiKeyFile != null ? " with an API key" : "")
        + (namespace.equals(DEFAULT_NAMESPACE) ? "" : ", namespace " + namespace)
        + (payloadKeyFile != null ? ", payloads encrypted" : "");
  }

  /** The payload codec of this connection's key file, read now, or empty when payloads are in clear. */
  public java.util.Optional<AesGcmPayloadCodec> payloadCodec() {
    return payloadKeyFile == null ? java.util.Optional.empty()
        : java.util.Optional.of(new AesGcmPayloadCodec(PayloadKey.read(payloadKeyFile)));
  }

  /**
   * The data converter every client and worker of this connection uses: Temporal's default, wrapped in
   * the payload codec when there is a key, which then also encrypts failure messages and stack traces; without a key, the one a client has when none is set. Reads
   * the key file now.
   */
  public DataConverter dataConverter() {
    return payloadCodec().<DataConverter>map(codec ->
        // Failure messages and stack traces too (encodeFailureAttributes): a hook's failure carries its
        // stderr, and host errors name paths.
        new CodecDataConverter(DefaultDataConverter.newDefaultInstance(), List.of(codec), true))
        .orElseGet(GlobalDataConverter::get);
  }

  /**
   * The stubs options of this connection, for callers that add their own settings (metrics) before
   * building. Reads the certificate, key and API key files now.
   */
  public WorkflowServiceStubsOptions.Builder stubsOptions() {
    WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder().setTarget(address);
    if (secured()) {
      options.setSslContext(sslContext());
    }
    if (apiKeyFile != null) {
      String key = readApiKey();
      options.addApiKey(() -> key);
    }
    return options;
  }

  /** New service stubs; the caller shuts them down. */
  public WorkflowServiceStubs connect() {
    return WorkflowServiceStubs.newServiceStubs(stubsOptions().build());
  }

  /** A workflow client of this connection's namespace over the given stubs. */
  public WorkflowClient client(WorkflowServiceStubs stubs) {
    return WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder()
        .setNamespace(namespace)
        .setDataConverter(dataConverter())
        .build());
  }

  private io.grpc.netty.shaded.io.netty.handler.ssl.SslContext sslContext() {
    // The builder reads its streams only in build(), so they are read into memory first; a file that
    // cannot be read is reported as such, before anything tries to parse it.
    byte[] cert = certFile != null ? read("--tls-cert", certFile) : null;
    byte[] key = keyFile != null ? read("--tls-key", keyFile) : null;
    javax.net.ssl.TrustManager trust = caFile != null ? trustManager(read("--tls-ca", caFile)) : null;
    try {
      SimpleSslContextBuilder builder = cert != null
          ? SimpleSslContextBuilder.forPKCS8(new ByteArrayInputStream(cert), new ByteArrayInputStream(key))
          : SimpleSslContextBuilder.noKeyOrCertChain();
      if (trust != null) {
        builder.setTrustManager(trust);
      }
      return builder.build();
    } catch (IOException | RuntimeException e) {
      String cause = e.getMessage() != null ? e.getMessage().lines().findFirst().orElse("") : e.toString();
      throw new IllegalArgumentException(cert == null ? "cannot set up TLS: " + cause : "cannot use --tls-cert "
          + certFile + " and --tls-key " + keyFile + " (a PEM certificate and its PKCS#8 PEM key are expected): " + cause, e);
    }
  }

  private javax.net.ssl.TrustManager trustManager(byte[] pem) {
    try {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException("--tls-ca " + caFile + " holds no PEM certificate");
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int index = 0;
      for (Certificate certificate : certificates) {
        store.setCertificateEntry("ca-" + index++, certificate);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      return factory.getTrustManagers()[0];
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("--tls-ca " + caFile + " is not a PEM certificate bundle: " + e.getMessage(), e);
    }
  }

  private String readApiKey() {
    try {
      String key = Files.readString(apiKeyFile, StandardCharsets.UTF_8).strip();
      if (key.isEmpty()) {
        throw new IllegalArgumentException("--api-key-file " + apiKeyFile + " is empty");
      }
      return key;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --api-key-file " + apiKeyFile + ": " + reason(e), e);
    }
  }

  private static byte[] read(String option, Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + option + " " + file + ": " + reason(e), e);
    }
  }

  private static String reason(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
