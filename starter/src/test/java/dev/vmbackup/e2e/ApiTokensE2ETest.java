package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.testing.TestHost;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API's tokens and roles, against the real dev server: a token file with a read and an operate token,
 * 401 for a wrong or missing token, 403 for a read token on a request that changes something, and a
 * server that refuses to listen beyond loopback without tokens.
 */
class ApiTokensE2ETest {
  private static final String READ_TOKEN = "read-" + UUID.randomUUID();
  private static final String OPERATE_TOKEN = "operate-" + UUID.randomUUID();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static Path scratch;
  private static ApiServerProcess apiServer;
  private static String base;

  @BeforeAll
  static void startServer() throws Exception {
    scratch = TestHost.scratchDir("api-tokens");
    Path tokenFile = scratch.resolve("tokens");
    Files.writeString(tokenFile, "# role:token, one a line\nread:" + READ_TOKEN + "\n\noperate:" + OPERATE_TOKEN + "\n");
    apiServer = ApiServerProcess.start(List.of("--token-file", tokenFile.toString(),
        "--temporal", DevServer.get().address(), "--repository", scratch.resolve("repository").toString()),
        scratch.resolve("server.log"));
    base = apiServer.base();
  }

  @AfterAll
  static void stopServer() {
    if (apiServer != null) {
      apiServer.close();
    }
    TestHost.deleteRecursively(scratch);
  }

  @Test
  void aWrongOrMissingTokenIs401() throws Exception {
    assertThat(send("GET", "/api/policies", "not-" + READ_TOKEN).statusCode()).isEqualTo(401);
    assertThat(send("GET", "/api/policies", null).statusCode()).isEqualTo(401);
    assertThat(send("POST", "/api/policies/none/pause", "wrong").statusCode()).isEqualTo(401);
    assertThat(send("GET", "/prometheus", null).statusCode()).isEqualTo(401);
  }

  @Test
  void aReadTokenReadsButChangesNothing() throws Exception {
    assertThat(send("GET", "/api/policies", READ_TOKEN).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/prometheus", READ_TOKEN).statusCode()).isEqualTo(200);
    String name = "ro" + UUID.randomUUID().toString().substring(0, 8);
    HttpResponse<String> create = send("POST", "/api/policies", READ_TOKEN, policy(name));
    assertThat(create.statusCode()).isEqualTo(403);
    assertThat(create.body()).contains("operate");
    assertThat(send("POST", "/api/backups", READ_TOKEN, "{\"domain\":\"vm1\"}").statusCode()).isEqualTo(403);
    assertThat(send("DELETE", "/api/policies/" + name, READ_TOKEN).statusCode()).isEqualTo(403);
    assertThat(send("GET", "/api/policies/" + name, READ_TOKEN).statusCode()).isEqualTo(404);
  }

  @Test
  void anOperateTokenChangesThings() throws Exception {
    String name = "op" + UUID.randomUUID().toString().substring(0, 8);
    try {
      assertThat(send("POST", "/api/policies", OPERATE_TOKEN, policy(name)).statusCode()).isEqualTo(201);
      assertThat(send("GET", "/api/policies/" + name, OPERATE_TOKEN).statusCode()).isEqualTo(200);
      assertThat(send("DELETE", "/api/policies/" + name, OPERATE_TOKEN).statusCode()).isEqualTo(200);
    } finally {
      send("DELETE", "/api/policies/" + name, OPERATE_TOKEN);
    }
  }

  @Test
  void healthAndTheOpenApiDocumentStayOpen() throws Exception {
    assertThat(send("GET", "/health", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/openapi/vmbackup-0.1.yml", null).statusCode()).isEqualTo(200);
  }

  @Test
  void withoutTokensTheServerRefusesAnAddressBeyondLoopback() throws Exception {
    Process refused = JavaProcess.vmbackup(List.of("server", "--bind", "0.0.0.0", "--port",
        Integer.toString(DevServer.freePort()), "--temporal", DevServer.get().address()), Map.of()).start();
    CliResult result = EndToEndTest.result(refused);
    assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
    assertThat(result.stderr().strip()).isEqualTo("vmbackup: refusing to serve the API on 0.0.0.0 without tokens:"
        + " give --token-file FILE (lines ROLE:TOKEN), or bind a loopback address (--bind 127.0.0.1)");
  }

  @Test
  void aMalformedTokenFileIsRefusedWithoutEchoingIt() throws Exception {
    Path bad = scratch.resolve("bad-tokens");
    Files.writeString(bad, "admin:s3cret-value\n");
    Process refused = JavaProcess.vmbackup(List.of("server", "--token-file", bad.toString(), "--port",
        Integer.toString(DevServer.freePort()), "--temporal", DevServer.get().address()), Map.of()).start();
    CliResult result = EndToEndTest.result(refused);
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stderr().strip()).contains("line 1").contains("read or operate")
        .doesNotContain("s3cret-value").doesNotContain("\n");
  }

  private static String policy(String name) {
    return "{\"name\":\"" + name + "\",\"domains\":[\"vm-a\"],\"host\":\"h1\","
        + "\"schedule\":{\"cron\":[\"0 3 * * *\"]},\"retention\":{\"keepDaily\":7}}";
  }

  private static HttpResponse<String> send(String method, String path, String token) throws IOException {
    return send(method, path, token, null);
  }

  private static HttpResponse<String> send(String method, String path, String token, String json) throws IOException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(1))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
