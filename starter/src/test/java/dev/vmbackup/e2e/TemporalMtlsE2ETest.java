package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmbackup.client.VmBackupClient;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.testing.TestHost;
import dev.vmbackup.worker.TemporalConnection;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.model.BackupResult;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker, the command line and the Java client against a Temporal frontend that requires mutual TLS
 * ({@link TlsTerminator}): without a client certificate they are refused, with one a backup completes
 * with the worker and the command line both connected only through the TLS port, whether the settings
 * come from options, the environment or the host configuration file.
 */
class TemporalMtlsE2ETest {
  private static DevServer server;
  private static TlsTerminator tls;
  private static WorkerProcess worker;
  private static WorkflowServiceStubs plainStubs;
  private static String host;
  private static Path scratch;
  private static int workerHttpPort;

  @BeforeAll
  static void start() {
    TestHost.requireReady();
    server = DevServer.get();
    scratch = TestHost.scratchDir("mtls");
    tls = TlsTerminator.start(scratch, server.address());
    workerHttpPort = DevServer.freePort();
    host = "mtls-" + UUID.randomUUID().toString().substring(0, 8);
    // The test itself watches the dev server directly; the worker knows only the TLS port.
    plainStubs = TemporalConnection.plain(server.address(), "default").connect();
    WorkflowClient plain = TemporalConnection.plain(server.address(), "default").client(plainStubs);
    worker = new WorkerProcess(List.of("--temporal", tls.address(), "--tls-ca", tls.pki().ca().toString(),
        "--tls-cert", tls.pki().clientCert().toString(), "--tls-key", tls.pki().clientKey().toString(),
        "--host", host, "--repository", scratch.resolve("repository").toString(),
        "--http-port", Integer.toString(workerHttpPort)),
        Map.of("VMBACKUP_STATE_DIR", scratch.resolve("state").toString()), scratch.resolve("worker.log"))
        .start(plain, TaskQueues.host(host));
  }

  @AfterAll
  static void stop() {
    if (worker != null) {
      worker.close();
    }
    if (tls != null) {
      tls.close();
    }
    if (plainStubs != null) {
      plainStubs.shutdownNow();
    }
    TestHost.deleteRecursively(scratch);
  }

  @Test
  void withoutAClientCertificateTheCommandLineIsRefusedInOneLine() {
    CliResult noCertificate = cli(Map.of(), "policy", "list", "--tls-ca", tls.pki().ca().toString());

    assertThat(noCertificate.exitCode()).as(noCertificate.toString()).isEqualTo(1);
    assertThat(noCertificate.stderr().strip()).startsWith("vmbackup: cannot reach Temporal")
        .contains("CERTIFICATE_REQUIRED").doesNotContain("\n");

    CliResult plain = cli(Map.of(), "policy", "list");
    assertThat(plain.exitCode()).as(plain.toString()).isEqualTo(1);
    assertThat(plain.stderr().strip()).startsWith("vmbackup: cannot reach Temporal").doesNotContain("\n");
  }

  @Test
  void withoutAClientCertificateTheJavaClientThrows() {
    VmBackupClient client = VmBackupClient.connect(new TemporalConnection(
        tls.address(), "default", true, tls.pki().ca(), null, null, null));
    try {
      assertThatThrownBy(() -> client.workflowClient().getWorkflowServiceStubs().blockingStub()
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance()))
          .isInstanceOf(StatusRuntimeException.class);
    } finally {
      client.workflowClient().getWorkflowServiceStubs().shutdownNow();
    }
  }

  @Test
  void withTheCertificateTheJavaClientAndTheCommandLineWork() {
    VmBackupClient client = VmBackupClient.connect(new TemporalConnection(tls.address(), "default", false,
        tls.pki().ca(), tls.pki().clientCert(), tls.pki().clientKey(), null));
    try {
      assertThat(client.workflowClient().getWorkflowServiceStubs().blockingStub()
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance()).hasCapabilities()).isTrue();
    } finally {
      client.workflowClient().getWorkflowServiceStubs().shutdownNow();
    }
    CliResult listed = cli(Map.of(), "policy", "list", "--json", "--tls-ca", tls.pki().ca().toString(),
        "--tls-cert", tls.pki().clientCert().toString(), "--tls-key", tls.pki().clientKey().toString());
    assertThat(listed.exitCode()).as(listed.toString()).isZero();
    assertThat(listed.json().has("policies")).as(listed.stdout()).isTrue();
  }

  @Test
  void aBackupCompletesThroughTheTlsPortWithTheSettingsFromTheEnvironment() throws Exception {
    try (TestGuest guest = TestGuest.builder("mtls").create()) {
      CliResult run = cli(Map.of("VMBACKUP_TLS_CA", tls.pki().ca().toString(),
              "VMBACKUP_TLS_CERT", tls.pki().clientCert().toString(),
              "VMBACKUP_TLS_KEY", tls.pki().clientKey().toString()),
          "backup", guest.name(), "--capture", "crash", "--json",
          "--repository", scratch.resolve("repository").toString());

      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      assertThat(result.verified()).isTrue();
      DiskContent.read(Path.of(result.path(), "vda.qcow2"), "qcow2").assertIntact();
      Invariants.assertVmClean(guest, "running");
    }
  }

  @Test
  void theWorkerAndTheCommandLineTakeEveryConnectionSettingFromTheConfigurationFile() throws Exception {
    // A second worker, of its own host, that knows the TLS port and its certificate only from the file.
    String fileHost = "mtls-file-" + UUID.randomUUID().toString().substring(0, 8);
    Path repository = scratch.resolve("file-repository");
    Path config = Files.writeString(scratch.resolve("vmbackup.yaml"), """
        repositories: {local: {path: %s}}
        temporal:
          address: %s
          tlsCa: %s
          tlsCert: %s
          tlsKey: %s
        """.formatted(repository, tls.address(), tls.pki().ca(), tls.pki().clientCert(), tls.pki().clientKey()));
    List<String> fromTheFile = List.of("--config", config.toString(), "--host", fileHost);
    Map<String, String> environment = Map.of("VMBACKUP_STATE_DIR", scratch.resolve("file-state").toString());
    List<String> workerArguments = new ArrayList<>(fromTheFile);
    workerArguments.addAll(List.of("--http-port", "-1"));
    try (WorkerProcess fileWorker = new WorkerProcess(workerArguments, environment, scratch.resolve("file-worker.log"))
            .start(TemporalConnection.plain(server.address(), "default").client(plainStubs), TaskQueues.host(fileHost));
        TestGuest guest = TestGuest.builder("mtlsfile").create()) {
      CliResult listed = run(environment, fromTheFile, "policy", "list", "--json");
      assertThat(listed.exitCode()).as(listed.toString()).isZero();
      assertThat(listed.json().has("policies")).as(listed.stdout()).isTrue();

      CliResult backup = run(environment, fromTheFile, "backup", guest.name(), "--capture", "crash", "--json");
      assertThat(backup.exitCode()).as(backup.toString()).isZero();
      BackupResult result = backup.json(BackupResult.class);
      assertThat(Path.of(result.path())).startsWith(repository);
      assertThat(result.verified()).isTrue();
      Invariants.assertVmClean(guest, "running");
    }
  }

  @Test
  void theConnectionSettingsAlsoComeFromTheEnvironment() throws Exception {
    // VMBACKUP_TLS alone trusts the system's CAs, which do not know the test's CA.
    CliResult systemCas = cli(Map.of("VMBACKUP_TLS", "true"), "policy", "list");
    assertThat(systemCas.exitCode()).as(systemCas.toString()).isEqualTo(1);
    assertThat(systemCas.stderr().strip()).startsWith("vmbackup: cannot reach Temporal")
        .contains("certification path").doesNotContain("\n");

    Map<String, String> mtls = Map.of("VMBACKUP_TLS_CA", tls.pki().ca().toString(),
        "VMBACKUP_TLS_CERT", tls.pki().clientCert().toString(), "VMBACKUP_TLS_KEY", tls.pki().clientKey().toString());
    CliResult otherNamespace = cli(with(mtls, "VMBACKUP_NAMESPACE", "vmbt-no-such-namespace"), "policy", "list");
    assertThat(otherNamespace.exitCode()).as(otherNamespace.toString()).isEqualTo(1);
    assertThat(otherNamespace.stderr()).contains("vmbt-no-such-namespace");

    Path missingKey = scratch.resolve("no-api-key");
    CliResult unreadableKey = cli(with(mtls, "VMBACKUP_API_KEY_FILE", missingKey.toString()), "policy", "list");
    assertThat(unreadableKey.exitCode()).isEqualTo(1);
    assertThat(unreadableKey.stderr().strip())
        .isEqualTo("vmbackup: cannot read --api-key-file " + missingKey + ": no such file");

    // The dev server ignores the key; what counts here is that it is read and sent over TLS.
    Path apiKey = Files.writeString(scratch.resolve("api-key"), "k3y\n");
    CliResult withKey = cli(with(mtls, "VMBACKUP_API_KEY_FILE", apiKey.toString()), "policy", "list", "--json");
    assertThat(withKey.exitCode()).as(withKey.toString()).isZero();
  }

  @Test
  void theWorkersHealthAndMetricsListenOnLoopbackOnlyByDefaultAndServeNoApi() throws Exception {
    // Health and metrics only: the worker's port never serves the API, which has no tokens there.
    HttpClient http = HttpClient.newHttpClient();
    String local = "http://127.0.0.1:" + workerHttpPort;
    // The worker polls before its HTTP server has bound the port: wait for it to answer.
    Awaits.until("the worker answers /health", () -> Awaits.answersOk(local + "/health"));
    assertThat(http.send(HttpRequest.newBuilder(URI.create(local + "/api/policies")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    InetAddress external = NetworkInterface.networkInterfaces()
        .flatMap(NetworkInterface::inetAddresses)
        .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress())
        .findFirst().orElse(null);
    Assumptions.assumeTrue(external != null, "this machine has no address but loopback");
    assertThatThrownBy(() -> {
      try (Socket outside = new Socket()) {
        outside.connect(new InetSocketAddress(external, workerHttpPort), 5000);
      }
    }).isInstanceOf(IOException.class);
  }

  private static Map<String, String> with(Map<String, String> environment, String name, String value) {
    Map<String, String> more = new java.util.HashMap<>(environment);
    more.put(name, value);
    return more;
  }

  /** {@code vmbackup ARGS --temporal TLS-ADDRESS --host HOST} with extra environment variables. */
  private static CliResult cli(Map<String, String> environment, String... arguments) {
    return run(with(environment, "VMBACKUP_STATE_DIR", scratch.resolve("state").toString()),
        List.of("--temporal", tls.address(), "--host", host), arguments);
  }

  /** {@code vmbackup ARGS OPTIONS} with this environment added to the test's. */
  private static CliResult run(Map<String, String> environment, List<String> options, String... arguments) {
    List<String> command = new ArrayList<>(Arrays.asList(arguments));
    command.addAll(options);
    try {
      return EndToEndTest.result(JavaProcess.vmbackup(command, environment).start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
