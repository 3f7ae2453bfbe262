package dev.vmbackup.starter.api;

import dev.vmbackup.client.PolicyService;
import dev.vmbackup.client.VmBackupClient;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.temporal.client.WorkflowClient;
import jakarta.inject.Singleton;

/** The client objects the controllers use, over the shared WorkflowClient bean. */
@Factory
@Requires(property = ApiTokens.ENABLED, value = "true")
class ApiFactory {
  @Singleton
  VmBackupClient vmBackupClient(WorkflowClient client) {
    return new VmBackupClient(client);
  }

  @Singleton
  PolicyService policyService(WorkflowClient client) {
    return new PolicyService(client);
  }
}
