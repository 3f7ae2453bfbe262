package dev.vmbackup.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmbackup.testing.Commands;
import dev.vmbackup.worker.TemporalConnection;
import io.temporal.authorization.AuthorizationGrpcMetadataProvider;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each TLS and API key setting turns into, and the one-line refusals of unusable settings. */
class TemporalConnectionTest {
  @TempDir Path dir;

  @Test
  void aPlainConnectionHasNoTlsAndNoKey() {
    WorkflowServiceStubsOptions options = TemporalConnection.plain("127.0.0.1:7233", "default").stubsOptions().build();
    assertThat(options.getSslContext()).isNull();
    assertThat(options.getEnableHttps()).isFalse();
    assertThat(options.getGrpcMetadataProviders()).isNullOrEmpty();
  }

  @Test
  void tlsAloneTrustsTheSystemsCas() {
    TemporalConnection connection = new TemporalConnection("t:7233", "default", true, null, null, null, null);
    assertThat(connection.stubsOptions().build().getSslContext()).isNotNull();
    assertThat(connection.describe()).isEqualTo("Temporal at t:7233 (TLS)");
  }

  @Test
  void anApiKeyIsSentAsABearerTokenAndImpliesTls() throws Exception {
    Path keyFile = Files.writeString(dir.resolve("api-key"), "  k3y-value\n");
    TemporalConnection connection = new TemporalConnection("t:7233", "ns1", false, null, null, null, keyFile);

    WorkflowServiceStubsOptions options = connection.stubsOptions().build();

    assertThat(connection.secured()).isTrue();
    assertThat(options.getSslContext()).isNotNull();
    assertThat(options.getGrpcMetadataProviders()).singleElement().satisfies(provider ->
        assertThat(provider.getMetadata().get(AuthorizationGrpcMetadataProvider.AUTHORIZATION_HEADER_KEY))
            .isEqualTo("Bearer k3y-value"));
    assertThat(connection.describe()).isEqualTo("Temporal at t:7233 (TLS) with an API key, namespace ns1");
  }

  @Test
  void aKeyInAnotherFormatThanPkcs8IsRefusedSayingSo() {
    Path key = dir.resolve("pkcs1.key");
    Path cert = dir.resolve("cert.pem");
    // openssl's "traditional" format is PKCS#1 (BEGIN RSA PRIVATE KEY).
    Commands.ok("openssl", "genrsa", "-traditional", "-out", key.toString(), "2048");
    Commands.ok("openssl", "req", "-new", "-x509", "-key", key.toString(), "-subj", "/CN=client", "-days", "1",
        "-out", cert.toString());
    assertThatThrownBy(() -> new TemporalConnection("t:7233", "default", false, null, cert, key, null).stubsOptions())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cannot use --tls-cert " + cert + " and --tls-key " + key)
        .hasMessageContaining("PKCS#8");
  }

  @Test
  void unusableSettingsAreRefusedInOneLine() throws Exception {
    assertThatThrownBy(() -> new TemporalConnection("t:7233", "default", true, null, dir.resolve("c.pem"), null, null))
        .hasMessage("--tls-cert and --tls-key go together: give both for mutual TLS");
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> new TemporalConnection("t:7233", "default", true, missing, null, null, null).stubsOptions())
        .hasMessage("cannot read --tls-ca " + missing + ": no such file");
    Path empty = Files.writeString(dir.resolve("empty-key"), "\n");
    assertThatThrownBy(() -> new TemporalConnection("t:7233", "default", false, null, null, null, empty).stubsOptions())
        .hasMessage("--api-key-file " + empty + " is empty");
    Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
    assertThatThrownBy(() -> new TemporalConnection("t:7233", "default", true, notPem, null, null, null).stubsOptions())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--tls-ca " + notPem);
  }
}
