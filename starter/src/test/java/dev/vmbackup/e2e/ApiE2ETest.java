package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmbackup.host.repository.Json;
import dev.vmbackup.testing.TestGuest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API ({@code vmbackup server}) against the real dev server and a worker: 202 and a workflow to
 * poll for backups and prunes, status with step and result, listing and verification, policies, 400 for
 * bad input, 404 for unknown ids, the bearer token, and the open health, metrics and OpenAPI endpoints.
 */
class ApiE2ETest extends EndToEndTest {
  private static final String TOKEN = "t0ken-for-tests";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static ApiServerProcess apiServer;
  private static String base;

  @BeforeAll
  static void startServer() {
    apiServer = ApiServerProcess.start(List.of("--token", TOKEN, "--temporal", server.address(), "--host", host,
        "--repository", repository.toString()), scratch.resolve("server.log"));
    base = apiServer.base();
  }

  @AfterAll
  static void stopServer() {
    if (apiServer != null) {
      apiServer.close();
    }
  }

  @Test
  void backupListVerifyAndPruneOverHttp() throws Exception {
    try (TestGuest guest = TestGuest.builder("api").create()) {
      HttpResponse<String> started = post("/api/backups", "{\"domain\":\"" + guest.name() + "\",\"capture\":\"crash\"}");
      assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
      String workflowId = json(started).get("workflowId").asText();
      assertThat(workflowId).isEqualTo("backup-" + host + "-" + guest.name());

      JsonNode done = awaitWorkflow(workflowId);
      assertThat(done.get("status").asText()).isEqualTo("completed");
      String backupId = done.get("result").get("backupId").asText();
      assertThat(done.get("result").get("verified").asBoolean()).isTrue();

      // Started through the client: a readable memo, and search attributes the worker registered.
      var listed = client.getWorkflowServiceStubs().blockingStub().listWorkflowExecutions(
          io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest.newBuilder()
              .setNamespace("default")
              .setQuery("VmbackupDomain = '" + guest.name() + "' AND VmbackupHost = '" + host + "'")
              .build());
      assertThat(listed.getExecutionsList()).hasSize(1);
      assertThat(io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
          listed.getExecutions(0).getMemo().getFieldsOrThrow("summary"), String.class, String.class))
          .isEqualTo("backup of " + guest.name() + " on " + host + " (full, capture crash)");

      JsonNode list = json(get("/api/domains/" + guest.name() + "/backups", true));
      assertThat(list.get("backups")).hasSize(1);
      assertThat(list.get("backups").get(0).get("manifest").get("backupId").asText()).isEqualTo(backupId);

      HttpResponse<String> verify = post("/api/domains/" + guest.name() + "/backups/" + backupId + "/verify", "");
      assertThat(verify.statusCode()).isEqualTo(200);
      assertThat(json(verify).get("ok").asBoolean()).isTrue();

      HttpResponse<String> prune = post("/api/domains/" + guest.name() + "/prune",
          "{\"retention\":{\"keepLast\":1},\"dryRun\":true}");
      assertThat(prune.statusCode()).as(prune.body()).isEqualTo(202);
      JsonNode pruned = awaitWorkflow(json(prune).get("workflowId").asText());
      assertThat(pruned.get("result").get("decisions").get(0).get("keep").asBoolean()).isTrue();
      Invariants.assertVmClean(guest, "running");
    }
  }

  @Test
  void commandsUrlsAndRepositoryPathsAreRefusedWhereNamesBelong() throws Exception {
    HttpResponse<String> argv = post("/api/backups",
        "{\"domain\":\"vm1\",\"hooks\":{\"preSnapshot\":[\"/usr/bin/touch\",\"/tmp/x\"]}}");
    assertThat(argv.statusCode()).isEqualTo(400);
    assertThat(json(argv).get("error").asText()).isEqualTo(
        "hooks are named in the host configuration; '/usr/bin/touch /tmp/x' is not a hook name"
            + " (letters, digits and . _ + - only)");

    HttpResponse<String> webhook = post("/api/policies", "{\"name\":\"p1\",\"domains\":[\"vm1\"],"
        + "\"schedule\":{\"every\":\"1h\"},\"notification\":{\"webhook\":\"http://169.254.169.254/\"}}");
    assertThat(webhook.statusCode()).isEqualTo(400);
    assertThat(json(webhook).get("error").asText()).contains("'http://169.254.169.254/' is not a notification name");

    HttpResponse<String> relative = post("/api/backups", "{\"domain\":\"vm1\",\"repository\":\"backups/x\"}");
    assertThat(relative.statusCode()).isEqualTo(400);
    assertThat(json(relative).get("error").asText()).contains("'backups/x' is not a repository name");
  }

  @Test
  void badInputIs400UnknownIdsAre404AndTheTokenIsRequired() throws Exception {
    HttpResponse<String> badName = post("/api/backups", "{\"domain\":\"../etc\"}");
    assertThat(badName.statusCode()).isEqualTo(400);
    assertThat(json(badName).get("error").asText()).contains("not allowed");

    HttpResponse<String> badRestore = post("/api/restores", "{\"domain\":\"vm1\",\"backupId\":\"20261122T221500Z\"}");
    assertThat(badRestore.statusCode()).isEqualTo(400);
    assertThat(json(badRestore).get("error").asText()).contains("say how to restore");

    HttpResponse<String> notJson = post("/api/backups", "{not json");
    assertThat(notJson.statusCode()).isEqualTo(400);

    HttpResponse<String> unknownWorkflow = get("/api/workflows/backup-nowhere-nothing", true);
    assertThat(unknownWorkflow.statusCode()).isEqualTo(404);
    assertThat(json(unknownWorkflow).get("error").asText()).contains("not found");

    HttpResponse<String> unknownBackup = post("/api/domains/vm1/backups/20200101T000000Z/verify", "");
    assertThat(unknownBackup.statusCode()).isEqualTo(404);

    HttpResponse<String> noToken = get("/api/domains/vm1/backups", false);
    assertThat(noToken.statusCode()).isEqualTo(401);
    assertThat(noToken.headers().firstValue("WWW-Authenticate")).contains("Bearer");
  }

  @Test
  void policiesCanBeManagedOverHttp() throws Exception {
    String name = "api" + host.substring(4);
    String policy = "{\"name\":\"" + name + "\",\"domains\":[\"vm-a\"],\"host\":\"" + host + "\","
        + "\"schedule\":{\"cron\":[\"0 3 * * *\"]},\"retention\":{\"keepDaily\":7}}";
    try {
      assertThat(post("/api/policies", policy).statusCode()).isEqualTo(201);
      assertThat(post("/api/policies", policy).statusCode()).isEqualTo(400);
      assertThat(json(get("/api/policies/" + name, true)).get("paused").asBoolean()).isFalse();
      assertThat(post("/api/policies/" + name + "/pause", "").statusCode()).isEqualTo(200);
      assertThat(json(get("/api/policies/" + name, true)).get("paused").asBoolean()).isTrue();
      assertThat(json(get("/api/policies", true)).get("policies").toString()).contains(name);
      assertThat(delete("/api/policies/" + name).statusCode()).isEqualTo(200);
      assertThat(get("/api/policies/" + name, true).statusCode()).isEqualTo(404);
    } finally {
      delete("/api/policies/" + name);
    }
  }

  @Test
  void healthMetricsAndTheOpenApiDocumentAreOpen() throws Exception {
    assertThat(get("/health", false).body()).contains("UP");
    String openapi = get("/openapi/vmbackup-0.1.yml", false).body();
    assertThat(openapi).contains("openapi: 3").contains("/api/backups").contains("/api/policies/{name}/pause");
    // The worker's endpoint has Temporal SDK metrics and, after a backup, vmbackup's own.
    String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + workerHttpPort + "/prometheus"))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("temporal_");
  }

  private static JsonNode awaitWorkflow(String workflowId) throws Exception {
    JsonNode[] last = new JsonNode[1];
    Awaits.until("workflow " + workflowId + " ends", Duration.ofMinutes(5), () -> {
      try {
        last[0] = json(get("/api/workflows/" + workflowId, true));
        return !last[0].get("status").asText().equals("running");
      } catch (IOException e) {
        return false;
      }
    });
    return last[0];
  }

  private static HttpResponse<String> get(String path, boolean authorized) throws IOException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(2));
    if (authorized) {
      request.header("Authorization", "Bearer " + TOKEN);
    }
    return send(request.GET().build());
  }

  private static HttpResponse<String> post(String path, String body) throws IOException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(5))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private static HttpResponse<String> delete(String path) throws IOException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + TOKEN)
        .DELETE().build());
  }

  private static HttpResponse<String> send(HttpRequest request) throws IOException {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static JsonNode json(HttpResponse<String> response) throws IOException {
    return Json.MAPPER.readTree(response.body());
  }
}
