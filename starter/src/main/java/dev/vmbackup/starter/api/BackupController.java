package dev.vmbackup.starter.api;

import dev.vmbackup.client.BackupCatalog;
import dev.vmbackup.client.VmBackupClient;
import dev.vmbackup.worker.WorkerConfig;
import dev.vmbackup.workflows.PolicyValidation;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.PruneRequest;
import dev.vmbackup.workflows.model.RestoreRequest;
import dev.vmbackup.workflows.model.RetentionPolicy;
import dev.vmbackup.workflows.model.VerifyResult;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.temporal.api.common.v1.WorkflowExecution;
import java.util.List;
import java.util.Map;

/** Backups, restores and prunes over HTTP. Long operations answer 202 with the workflow to poll. */
@Controller("/api")
@Requires(property = ApiTokens.ENABLED, value = "true")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "backups")
class BackupController {
  private final VmBackupClient client;
  private final ApiConfig config;
  private final WorkerConfig worker;

  BackupController(VmBackupClient client, ApiConfig config, WorkerConfig worker) {
    this.client = client;
    this.config = config;
    this.worker = worker;
  }

  /**
   * @param retention which backups to keep
   * @param dryRun decide and report only
   */
  record PruneBody(RetentionPolicy retention, Boolean dryRun, String host, String repository) {}

  @Post("/backups")
  @Status(HttpStatus.ACCEPTED)
  @Operation(summary = "Start a backup", description = "Starts the backup workflow; poll the workflow for its result.")
  WorkflowViews.Started backup(@Body BackupRequest request) {
    Validation.domainName("domain", request.domain());
    if (request.repository() != null) {
      Validation.repository(request.repository());
    }
    PolicyValidation.hookNames(request.hooks());
    return started(client.startBackup(request.withHost(host(request.host()))));
  }

  @Post("/restores")
  @Status(HttpStatus.ACCEPTED)
  @Operation(summary = "Start a restore", description = "As a new VM (as), in place (inPlace) or from memory (memory).")
  WorkflowViews.Started restore(@Body RestoreRequest request) {
    Validation.domainName("domain", request.domain());
    Validation.backupId(request.backupId());
    if (request.as() != null) {
      Validation.domainName("as", request.as());
    }
    if (request.as() == null && !request.inPlaceRequested()) {
      throw new IllegalArgumentException("say how to restore: as (a new domain name), inPlace or memory");
    }
    return started(client.startRestore(request.withHost(host(request.host()))));
  }

  @Post("/domains/{domain}/prune")
  @Status(HttpStatus.ACCEPTED)
  @Operation(summary = "Prune a VM's backups by a retention policy")
  WorkflowViews.Started prune(String domain, @Body PruneBody body) {
    Validation.domainName("domain", domain);
    if (body.retention() == null || !body.retention().hasRules()) {
      throw new IllegalArgumentException("give at least one retention rule, e.g. retention.keepDaily 7");
    }
    return started(client.startPrune(
        new PruneRequest(domain, host(body.host()), body.repository(), body.retention(), body.dryRun())));
  }

  @Get("/workflows/{workflowId}")
  @Operation(summary = "Status, step, progress and result of a workflow")
  WorkflowViews.WorkflowView workflow(String workflowId) {
    if (!workflowId.matches("[A-Za-z0-9_.+:-]{1,255}")) {
      throw new IllegalArgumentException("workflow id '" + workflowId + "' is not valid");
    }
    return WorkflowViews.describe(client.workflowClient(), workflowId);
  }

  @Get("/domains/{domain}/backups")
  @Operation(summary = "List a VM's backups", description = "Read from the repository's manifests.")
  Map<String, Object> list(String domain) {
    Validation.domainName("domain", domain);
    BackupCatalog repository = repository();
    List<Manifest> backups = repository.list(domain);
    return Map.of("domain", domain, "backups", backups.stream().map(manifest -> Map.of(
        "path", repository.backupDir(domain, manifest.backupId()).toString(),
        "protected", repository.isProtected(domain, manifest.backupId()),
        "manifest", manifest)).toList());
  }

  @Post("/domains/{domain}/backups/{backupId}/verify")
  @Operation(summary = "Verify a backup", description = "Re-reads every file against its checksum; qemu-img check.")
  HttpResponse<VerifyResult> verify(String domain, String backupId) {
    Validation.domainName("domain", domain);
    Validation.backupId(backupId);
    BackupCatalog repository = repository();
    Manifest manifest = repository.manifest(domain, backupId)
        .orElseThrow(() -> new ApiErrors.NotFound("no backup " + backupId + " of " + domain));
    return HttpResponse.ok(repository.verify(domain, backupId, manifest));
  }

  private BackupCatalog repository() {
    return BackupCatalog.open(config.getRepository());
  }

  private String host(String requested) {
    return Validation.hostName(requested != null ? requested : worker.effectiveHost());
  }

  private static WorkflowViews.Started started(WorkflowExecution execution) {
    return new WorkflowViews.Started(execution.getWorkflowId(), execution.getRunId());
  }
}
