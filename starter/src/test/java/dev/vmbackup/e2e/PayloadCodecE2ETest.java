package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.testing.TestHost;
import dev.vmbackup.worker.TemporalConnection;
import dev.vmbackup.workflows.BackupWorkflow;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.model.BackupResult;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Encrypted workflow payloads through the real dev server: a worker and the command line that share a
 * payload key made with {@code vmbackup key create} back up a test guest; the history, read directly from
 * the server without the key, holds neither the domain nor the repository path in clear; the
 * {@code vmbackup server}'s codec endpoint, as the Temporal Web UI calls it, decodes them with a read
 * token and refuses a request without one.
 */
class PayloadCodecE2ETest {
  private static final String READ_TOKEN = "read-" + UUID.randomUUID();
  private static final String UI_ORIGIN = "http://localhost:8233";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static DevServer server;
  private static WorkflowServiceStubs plainStubs;
  private static WorkflowClient plain;
  private static WorkerProcess worker;
  private static ApiServerProcess api;
  private static String host;
  private static Path scratch;
  private static Path repository;
  private static Path key;

  @BeforeAll
  static void start() throws Exception {
    TestHost.requireReady();
    server = DevServer.get();
    scratch = TestHost.scratchDir("codec");
    repository = scratch.resolve("repository");
    key = scratch.resolve("payload.key");
    CliResult created = run(Map.of(), "key", "create", key.toString());
    assertThat(created.exitCode()).as(created.toString()).isZero();
    assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    host = "codec-" + UUID.randomUUID().toString().substring(0, 8);
    // The test reads the server as anyone with access to Temporal does: without the key.
    plainStubs = TemporalConnection.plain(server.address(), "default").connect();
    plain = TemporalConnection.plain(server.address(), "default").client(plainStubs);
    worker = new WorkerProcess(List.of("--temporal", server.address(), "--payload-key-file", key.toString(),
        "--host", host, "--repository", repository.toString(), "--http-port", Integer.toString(DevServer.freePort())),
        Map.of("VMBACKUP_STATE_DIR", scratch.resolve("state").toString()), scratch.resolve("worker.log"))
        .start(plain, TaskQueues.host(host));
    Path tokens = Files.writeString(scratch.resolve("tokens"), "read:" + READ_TOKEN + "\n");
    api = ApiServerProcess.start(List.of("--token-file", tokens.toString(), "--temporal", server.address(),
        "--payload-key-file", key.toString(), "--codec-cors-origin", UI_ORIGIN,
        "--repository", repository.toString()), scratch.resolve("server.log"));
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
    if (worker != null) {
      worker.close();
    }
    if (plainStubs != null) {
      plainStubs.shutdownNow();
    }
    TestHost.deleteRecursively(scratch);
  }

  @Test
  void aBackupLeavesNoDomainOrPathInClearInTheHistoryAndTheCodecEndpointDecodesIt() throws Exception {
    try (TestGuest guest = TestGuest.builder("codec").create()) {
      CliResult backup = run(Map.of("VMBACKUP_PAYLOAD_KEY_FILE", key.toString(), "VMBACKUP_STATE_DIR",
          scratch.resolve("state").toString()), "backup", guest.name(), "--capture", "crash", "--json",
          "--repository", repository.toString(), "--temporal", server.address(), "--host", host);
      assertThat(backup.exitCode()).as(backup.toString()).isZero();
      BackupResult result = backup.json(BackupResult.class);
      assertThat(result.verified()).isTrue();
      assertThat(result.path()).startsWith(repository.toString());

      WorkflowExecutionHistory history = plain.fetchHistory(BackupWorkflow.workflowId(host, guest.name()));
      var started = history.getEvents().get(0).getWorkflowExecutionStartedEventAttributes();
      Payload input = started.getInput().getPayloads(0);
      Payload memo = started.getMemo().getFieldsOrThrow("summary");
      Payload output = history.getLastEvent().getWorkflowExecutionCompletedEventAttributes().getResult().getPayloads(0);
      for (Payload payload : List.of(input, memo, output)) {
        assertThat(payload.getMetadataOrThrow("encoding").toStringUtf8()).isEqualTo("binary/encrypted");
        assertThat(payload.toByteString().toString(StandardCharsets.ISO_8859_1))
            .doesNotContain(guest.name()).doesNotContain(repository.toString());
      }
      // Every activity's input and result too: the path is nowhere in the history.
      assertThat(history.toJson(false)).doesNotContain(repository.toString());
      // What stays in clear: the workflow id and the search attributes name the domain.
      assertThat(started.getSearchAttributes().getIndexedFieldsMap()).containsKey("VmbackupDomain");

      HttpResponse<String> decoded = post("/codec/decode", READ_TOKEN, payloads(input, output));
      assertThat(decoded.statusCode()).as(decoded.body()).isEqualTo(200);
      assertThat(decoded.headers().firstValue("Access-Control-Allow-Origin")).hasValue(UI_ORIGIN);
      Payloads clear = parse(decoded.body());
      assertThat(clear.getPayloads(0).getMetadataOrThrow("encoding").toStringUtf8()).isEqualTo("json/plain");
      assertThat(clear.getPayloads(0).getData().toStringUtf8()).contains("\"" + guest.name() + "\"");
      assertThat(clear.getPayloads(1).getData().toStringUtf8()).contains(result.path());

      // Temporal's own client of the remote codec contract: the temporal CLI with --codec-endpoint, as the Web
      // UI with its codec endpoint setting.
      List<String> show = List.of(DevServer.binary().toString(), "workflow", "show", "--address", server.address(),
          "--namespace", "default", "--workflow-id", BackupWorkflow.workflowId(host, guest.name()), "--output", "json");
      CliResult withoutCodec = EndToEndTest.result(new ProcessBuilder(show).start());
      assertThat(withoutCodec.exitCode()).as(withoutCodec.toString()).isZero();
      assertThat(payloadData(withoutCodec.stdout())).doesNotContain(repository.toString());
      List<String> withCodecEndpoint = new ArrayList<>(show);
      withCodecEndpoint.addAll(List.of("--codec-endpoint", api.base() + "/codec", "--codec-auth", "Bearer " + READ_TOKEN));
      CliResult shown = EndToEndTest.result(new ProcessBuilder(withCodecEndpoint).start());
      assertThat(shown.exitCode()).as(shown.toString()).isZero();
      assertThat(payloadData(shown.stdout())).contains(result.path()).contains("\"domain\":\"" + guest.name());

      // The API's own status view decodes with the server's key.
      HttpResponse<String> status = HTTP.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/workflows/"
          + BackupWorkflow.workflowId(host, guest.name()))).header("Authorization", "Bearer " + READ_TOKEN).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
      assertThat(status.body()).contains(result.path());
      Invariants.assertVmClean(guest, "running");
    }
  }

  @Test
  void aFailuresMessageIsEncryptedInTheHistoryAndReadBackByTheCommandLine() throws Exception {
    String domain = "vmbt-codec-missing-" + UUID.randomUUID().toString().substring(0, 8);
    CliResult failed = run(Map.of("VMBACKUP_PAYLOAD_KEY_FILE", key.toString(), "VMBACKUP_STATE_DIR",
        scratch.resolve("state").toString()), "backup", domain, "--repository", repository.toString(),
        "--temporal", server.address(), "--host", host);
    assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
    assertThat(failed.stderr().strip()).isEqualTo("vmbackup: domain " + domain + " not found on host " + host);

    WorkflowExecutionHistory history = plain.fetchHistory(BackupWorkflow.workflowId(host, domain));
    var failure = history.getLastEvent().getWorkflowExecutionFailedEventAttributes().getFailure();
    assertThat(failure.getMessage()).isEqualTo("Encoded failure");
    assertThat(failure.hasEncodedAttributes()).isTrue();
    assertThat(failure.toString()).doesNotContain("not found").doesNotContain(repository.toString());
  }

  @Test
  void aPolicysScheduleHoldsItsBackupInputAndMemoEncrypted() throws Exception {
    String name = "enc" + UUID.randomUUID().toString().substring(0, 8);
    String domain = "vm-secret-" + name;
    Map<String, String> withKey = Map.of("VMBACKUP_PAYLOAD_KEY_FILE", key.toString());
    try {
      CliResult create = run(withKey, "policy", "create", name, "--domain", domain, "--cron", "0 3 * * *",
          "--temporal", server.address(), "--host", host);
      assertThat(create.exitCode()).as(create.toString()).isZero();

      var schedule = plainStubs.blockingStub().describeSchedule(
          io.temporal.api.workflowservice.v1.DescribeScheduleRequest.newBuilder().setNamespace("default")
              .setScheduleId(dev.vmbackup.client.PolicyService.SCHEDULE_PREFIX + name).build());
      List<Payload> stored = new ArrayList<>(schedule.getSchedule().getAction().getStartWorkflow().getInput().getPayloadsList());
      stored.addAll(schedule.getMemo().getFieldsMap().values());
      assertThat(stored).isNotEmpty().allSatisfy(payload -> {
        assertThat(payload.getMetadataOrThrow("encoding").toStringUtf8()).isEqualTo("binary/encrypted");
        assertThat(payload.toByteString().toString(StandardCharsets.ISO_8859_1)).doesNotContain(domain);
      });

      CliResult listed = run(withKey, "policy", "list", "--json", "--temporal", server.address(), "--host", host);
      assertThat(listed.exitCode()).as(listed.toString()).isZero();
      assertThat(listed.stdout()).contains(domain);
    } finally {
      run(withKey, "policy", "delete", name, "--temporal", server.address(), "--host", host);
    }
  }

  @Test
  void theCodecEndpointNeedsATokenAndAnswersOnlyTheUisOrigin() throws Exception {
    String body = payloads(Payload.newBuilder().putMetadata("encoding",
        com.google.protobuf.ByteString.copyFromUtf8("json/plain")).setData(
            com.google.protobuf.ByteString.copyFromUtf8("\"vm-1\"")).build());
    HttpResponse<String> anonymous = post("/codec/decode", null, body);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    // The browser may show the UI why: the refusal carries the UI's origin too.
    assertThat(anonymous.headers().firstValue("Access-Control-Allow-Origin")).hasValue(UI_ORIGIN);
    assertThat(post("/codec/encode", "wrong", body).statusCode()).isEqualTo(401);

    HttpResponse<String> encoded = post("/codec/encode", READ_TOKEN, body);
    assertThat(encoded.statusCode()).as(encoded.body()).isEqualTo(200);
    assertThat(encoded.body()).doesNotContain("vm-1").doesNotContain(
        java.util.Base64.getEncoder().encodeToString("\"vm-1\"".getBytes(StandardCharsets.UTF_8)));
    HttpResponse<String> decoded = post("/codec/decode", READ_TOKEN, encoded.body());
    assertThat(parse(decoded.body())).isEqualTo(parse(body));
    // A payload in clear passes through unchanged.
    assertThat(parse(post("/codec/decode", READ_TOKEN, body).body())).isEqualTo(parse(body));

    HttpResponse<String> preflight = HTTP.send(HttpRequest.newBuilder(URI.create(api.base() + "/codec/decode"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", UI_ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization,content-type,x-namespace")
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(UI_ORIGIN);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse(""))
        .contains("Authorization").contains("X-Namespace");

    HttpResponse<String> otherOrigin = HTTP.send(HttpRequest.newBuilder(URI.create(api.base() + "/codec/decode"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "http://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(otherOrigin.statusCode()).isEqualTo(403);
    assertThat(otherOrigin.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void unusableKeysAreRefusedInOneLineAndKeyCreateNeverOverwrites() throws Exception {
    String original = Files.readString(key);
    CliResult again = run(Map.of(), "key", "create", key.toString());
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.stderr().strip()).isEqualTo("vmbackup: " + key + " already exists; a payload key is never"
        + " overwritten (payloads encrypted under it could no longer be read): choose another file");
    assertThat(Files.readString(key)).isEqualTo(original);

    Path shared = Files.writeString(scratch.resolve("shared.key"), original);
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));
    CliResult readable = run(Map.of(), "policy", "list", "--temporal", server.address(),
        "--payload-key-file", shared.toString());
    assertThat(readable.exitCode()).isEqualTo(1);
    assertThat(readable.stderr().strip()).isEqualTo("vmbackup: --payload-key-file " + shared
        + " may be read by group or others (mode rw-r--r--): chmod 600 " + shared);

    CliResult noKey = run(Map.of(), "server", "--port", Integer.toString(DevServer.freePort()), "--temporal",
        server.address(), "--codec-cors-origin", UI_ORIGIN);
    assertThat(noKey.exitCode()).isEqualTo(1);
    assertThat(noKey.stderr().strip()).isEqualTo("vmbackup: --codec-cors-origin serves the codec endpoint, which needs"
        + " the payload key: give --payload-key-file FILE");
  }

  /** The data of every payload in the JSON the temporal CLI prints (base64 there), decoded and joined. */
  private static String payloadData(String json) {
    StringBuilder data = new StringBuilder();
    java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\"data\": ?\"([A-Za-z0-9+/=]*)\"").matcher(json);
    while (matcher.find()) {
      data.append(new String(java.util.Base64.getDecoder().decode(matcher.group(1)), StandardCharsets.ISO_8859_1))
          .append('\n');
    }
    assertThat(data).as("payload data in " + json).isNotEmpty();
    return data.toString();
  }

  private static String payloads(Payload... payloads) throws IOException {
    return JsonFormat.printer().print(Payloads.newBuilder().addAllPayloads(Arrays.asList(payloads)));
  }

  private static Payloads parse(String json) throws IOException {
    Payloads.Builder builder = Payloads.newBuilder();
    JsonFormat.parser().merge(json, builder);
    return builder.build();
  }

  /** A POST as the Temporal Web UI sends it to its codec endpoint. */
  private static HttpResponse<String> post(String path, String token, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api.base() + path))
        .header("Content-Type", "application/json")
        .header("X-Namespace", "default")
        .header("Origin", UI_ORIGIN)
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static CliResult run(Map<String, String> environment, String... arguments) {
    try {
      return EndToEndTest.result(JavaProcess.vmbackup(new ArrayList<>(Arrays.asList(arguments)), environment).start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
