package dev.vmbackup.workflows.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed {@code docs/schemas} are what the code generates: a changed record, a new field or a new
 * workflow type fails here until {@code scripts/generate-schemas.sh} has been run and its output committed,
 * so that the schemas other services read never lag behind the workflows.
 */
class SchemasUpToDateTest {
  @Test
  void theCommittedSchemasMatchTheRecords() throws IOException {
    Path dir = Checkout.root().resolve("docs/schemas");
    Map<String, String> expected = WorkflowSchemas.files();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> file : expected.entrySet()) {
      Path committed = dir.resolve(file.getKey());
      if (!Files.exists(committed)) {
        problems.add(file.getKey() + " is missing");
      } else if (!Files.readString(committed).equals(file.getValue())) {
        problems.add(file.getKey() + " differs");
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      files.map(path -> path.getFileName().toString())
          .filter(name -> name.endsWith(".schema.json") && !expected.containsKey(name))
          .forEach(name -> problems.add(name + " describes no workflow any more"));
    }

    assertThat(problems)
        .as("docs/schemas is stale; run scripts/generate-schemas.sh and commit docs/schemas")
        .isEmpty();
  }

  @Test
  void everyWorkflowTypeHasAnInputAndAResultSchema() {
    assertThat(WorkflowSchemas.signatures()).extracting(WorkflowSchemas.Signature::workflowType)
        .containsExactly("BackupWorkflow", "RestoreWorkflow", "PruneWorkflow", "PlanWorkflow", "FleetPlanWorkflow",
            "StoreMaintenanceWorkflow");
    assertThat(WorkflowSchemas.files()).containsKeys("BackupRequest.schema.json", "BackupResult.schema.json",
        "RestoreRequest.schema.json", "RestoreResult.schema.json", "PruneRequest.schema.json",
        "PruneResult.schema.json", "BackupPolicy.schema.json", "PlanResult.schema.json",
        "FleetPlanResult.schema.json", "StoreMaintenanceRequest.schema.json", "StoreMaintenanceResult.schema.json",
        "README.md");
  }
}
