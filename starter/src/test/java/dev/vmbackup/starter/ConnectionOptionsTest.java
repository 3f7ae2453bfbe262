package dev.vmbackup.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.config.HostConfig;
import dev.vmbackup.worker.TemporalConnection;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Where each Temporal setting comes from: the option, else the environment, else the file, else the default. */
class ConnectionOptionsTest {
  private static final HostConfig.Temporal FILE = new HostConfig.Temporal("file.example:7233", "file-ns", true,
      "/etc/vmbackup/tls/ca.pem", "/etc/vmbackup/tls/worker.pem", "/etc/vmbackup/tls/worker.key",
      "/etc/vmbackup/api-key", "/etc/vmbackup/payload.key");

  @Test
  void withoutASettingAnywhereTheDefaultsApply() {
    TemporalConnection connection = settings(HostConfig.Temporal.NONE, Map.of());

    assertThat(connection).isEqualTo(TemporalConnection.plain("fallback:7233", "default"));
    assertThat(connection.secured()).isFalse();
  }

  @Test
  void theFileAloneGivesEverySetting() {
    assertThat(settings(FILE, Map.of())).isEqualTo(new TemporalConnection("file.example:7233", "file-ns", true,
        Path.of("/etc/vmbackup/tls/ca.pem"), Path.of("/etc/vmbackup/tls/worker.pem"),
        Path.of("/etc/vmbackup/tls/worker.key"), Path.of("/etc/vmbackup/api-key"), Path.of("/etc/vmbackup/payload.key")));
  }

  @Test
  void theEnvironmentWinsOverTheFile() {
    TemporalConnection connection = settings(FILE, Map.of("TEMPORAL_ADDRESS", "env.example:7233",
        "VMBACKUP_NAMESPACE", "env-ns", "VMBACKUP_TLS_CA", "/env/ca.pem", "VMBACKUP_TLS_CERT", "/env/c.pem",
        "VMBACKUP_TLS_KEY", "/env/c.key", "VMBACKUP_API_KEY_FILE", "/env/api-key",
        "VMBACKUP_PAYLOAD_KEY_FILE", "/env/payload.key"));

    assertThat(connection).isEqualTo(new TemporalConnection("env.example:7233", "env-ns", true,
        Path.of("/env/ca.pem"), Path.of("/env/c.pem"), Path.of("/env/c.key"), Path.of("/env/api-key"),
        Path.of("/env/payload.key")));
  }

  @Test
  void anOptionWinsOverTheEnvironmentAndTheFile() {
    Map<String, String> environment = Map.of("TEMPORAL_ADDRESS", "env.example:7233", "VMBACKUP_NAMESPACE", "env-ns",
        "VMBACKUP_TLS_CA", "/env/ca.pem", "VMBACKUP_PAYLOAD_KEY_FILE", "/env/payload.key");

    TemporalConnection connection = settings(FILE, environment, "--temporal", "option.example:7233",
        "--namespace", "option-ns", "--tls-ca", "/option/ca.pem", "--tls-cert", "/option/c.pem",
        "--tls-key", "/option/c.key");

    assertThat(connection).isEqualTo(new TemporalConnection("option.example:7233", "option-ns", true,
        Path.of("/option/ca.pem"), Path.of("/option/c.pem"), Path.of("/option/c.key"), Path.of("/etc/vmbackup/api-key"),
        Path.of("/env/payload.key")));
  }

  @Test
  void aBlankVariableIsUnsetAndVmbackupTlsDecidesOverTheFile() {
    HostConfig.Temporal tlsOnly = new HostConfig.Temporal(null, null, true, null, null, null, null, null);

    assertThat(settings(tlsOnly, Map.of("TEMPORAL_ADDRESS", " ")).address()).isEqualTo("fallback:7233");
    assertThat(settings(tlsOnly, Map.of()).tls()).isTrue();
    assertThat(settings(tlsOnly, Map.of("VMBACKUP_TLS", "false")).tls()).isFalse();
    assertThat(settings(tlsOnly, Map.of("VMBACKUP_TLS", "false"), "--tls").tls()).isTrue();
    assertThat(settings(HostConfig.Temporal.NONE, Map.of("VMBACKUP_TLS", "1")).tls()).isTrue();
  }

  private static TemporalConnection settings(HostConfig.Temporal file, Map<String, String> environment,
      String... arguments) {
    return CommandLine.populateCommand(new ConnectionOptions(), arguments)
        .settings("fallback:7233", file, environment::get);
  }
}
