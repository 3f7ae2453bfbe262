package dev.vmbackup.starter.api;

import dev.vmbackup.client.PolicyService;
import dev.vmbackup.workflows.PolicyValidation;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.model.BackupPolicy;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Map;

/** Backup policies (Temporal Schedules) over HTTP. */
@Controller("/api/policies")
@Requires(property = ApiTokens.ENABLED, value = "true")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "policies")
class PolicyController {
  private final PolicyService policies;

  PolicyController(PolicyService policies) {
    this.policies = policies;
  }

  @Get
  @Operation(summary = "List policies with their schedule state")
  Map<String, List<PolicyService.PolicyStatus>> list() {
    return Map.of("policies", policies.list());
  }

  @Post
  @Status(HttpStatus.CREATED)
  @Operation(summary = "Create a policy (a Temporal Schedule)")
  Map<String, String> create(@Body BackupPolicy policy) {
    PolicyValidation.check(policy);
    policies.create(policy);
    return Map.of("name", policy.name(), "schedule", PolicyService.SCHEDULE_PREFIX + policy.name());
  }

  @Get("/{name}")
  @Operation(summary = "One policy with its schedule state")
  PolicyService.PolicyStatus get(String name) {
    return policies.status(checked(name));
  }

  @Post("/{name}/pause")
  @Operation(summary = "Pause a policy")
  Map<String, String> pause(String name) {
    policies.pause(checked(name));
    return Map.of("name", name, "state", "paused");
  }

  @Post("/{name}/resume")
  @Operation(summary = "Resume a policy")
  Map<String, String> resume(String name) {
    policies.resume(checked(name));
    return Map.of("name", name, "state", "active");
  }

  @Post("/{name}/trigger")
  @Status(HttpStatus.ACCEPTED)
  @Operation(summary = "Run a policy now")
  Map<String, String> trigger(String name) {
    policies.trigger(checked(name));
    return Map.of("name", name, "state", "triggered");
  }

  @Delete("/{name}")
  @Operation(summary = "Delete a policy (its backups stay)")
  Map<String, String> delete(String name) {
    policies.delete(checked(name));
    return Map.of("name", name, "state", "deleted");
  }

  private static String checked(String name) {
    return Validation.domainName("policy name", name);
  }
}
