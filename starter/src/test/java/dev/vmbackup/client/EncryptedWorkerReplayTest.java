package dev.vmbackup.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.testing.TestHost;
import dev.vmbackup.worker.PayloadKey;
import dev.vmbackup.worker.TemporalConnection;
import dev.vmbackup.workflows.WorkflowTypes;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DataConverter;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that has a payload key still replays the histories recorded without one (those of
 * workflows/src/test/resources/histories), so turning encryption on does not break workflows already
 * running; and failure messages, which are encrypted too.
 */
class EncryptedWorkerReplayTest {
  @TempDir Path dir;
  private TestWorkflowEnvironment environment;
  private DataConverter converter;

  @BeforeEach
  void startEnvironment() {
    Path key = dir.resolve("payload.key");
    PayloadKey.create(key);
    converter = TemporalConnection.plain("t:7233", "default").withPayloadKeyFile(key).dataConverter();
    environment = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder()
        .setWorkflowClientOptions(WorkflowClientOptions.newBuilder().setDataConverter(converter).build())
        .build());
  }

  @AfterEach
  void stopEnvironment() {
    environment.close();
  }

  @Test
  void historiesRecordedWithoutAKeyReplayOnAWorkerWithOne() throws Exception {
    // A first replay on a loaded CI machine can hold its thread for over the SDK's one second while it
    // loads classes; determinism is what this test is about, so the worker waits longer.
    Worker worker = environment.newWorker("replay",
        WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(30_000).build());
    worker.registerWorkflowImplementationTypes(WorkflowTypes.implementations());
    List<Path> histories;
    try (Stream<Path> files = Files.list(TestHost.repositoryRoot().resolve("workflows/src/test/resources/histories"))) {
      histories = files.filter(file -> file.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(histories).isNotEmpty();
    for (Path history : histories) {
      WorkflowReplayer.replayWorkflowExecution(
          WorkflowExecutionHistory.fromJson(Files.readString(history, StandardCharsets.UTF_8)), worker);
    }
  }

  @Test
  void failureMessagesAreEncryptedAndReadBack() {
    var failure = converter.exceptionToFailure(
        io.temporal.failure.ApplicationFailure.newFailure("cannot write /srv/repository/vm-1", "HOOK_FAILED"));

    assertThat(failure.toString()).doesNotContain("/srv/repository").doesNotContain("vm-1");
    // The type stays in clear: the workflows' retry decisions match on it.
    assertThat(failure.getApplicationFailureInfo().getType()).isEqualTo("HOOK_FAILED");
    assertThat(((io.temporal.failure.ApplicationFailure) converter.failureToException(failure)).getOriginalMessage())
        .isEqualTo("cannot write /srv/repository/vm-1");
  }
}
