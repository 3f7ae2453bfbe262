package dev.vmbackup.activities;

import dev.vmbackup.workflows.SearchAttributeKeys;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers vmbackup's search attributes on the Temporal server and tells whether they are there.
 * Registration needs operator rights, which a production server may not grant a worker: failing to
 * register is logged, never fatal, and starters then start workflows without the attributes.
 */
public final class SearchAttributesRegistry {
  private static final Logger log = LoggerFactory.getLogger(SearchAttributesRegistry.class);

  private SearchAttributesRegistry() {}

  /** Adds the attributes that are missing; returns whether all are registered afterwards. */
  public static boolean register(WorkflowClient client) {
    OperatorServiceStubs operator = operator(client);
    try {
      Set<String> present = existing(operator, client);
      Map<String, IndexedValueType> missing = new HashMap<>();
      SearchAttributeKeys.ALL.forEach(key -> {
        if (!present.contains(key.getName())) {
          missing.put(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
        }
      });
      if (!missing.isEmpty()) {
        operator.blockingStub().addSearchAttributes(AddSearchAttributesRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace())
            .putAllSearchAttributes(missing)
            .build());
        log.info("registered search attributes {}", missing.keySet());
      }
      return true;
    } catch (RuntimeException e) {
      log.warn("could not register vmbackup's search attributes ({}); workflows start without them", e.getMessage());
      return false;
    } finally {
      operator.shutdown();
    }
  }

  /** Whether every vmbackup search attribute is registered in the client's namespace. */
  public static boolean registered(WorkflowClient client) {
    OperatorServiceStubs operator = operator(client);
    try {
      Set<String> present = existing(operator, client);
      return SearchAttributeKeys.ALL.stream().allMatch(key -> present.contains(key.getName()));
    } catch (RuntimeException e) {
      return false;
    } finally {
      operator.shutdown();
    }
  }

  private static Set<String> existing(OperatorServiceStubs operator, WorkflowClient client) {
    return operator.blockingStub()
        .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
        .listSearchAttributes(ListSearchAttributesRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace()).build())
        .getCustomAttributesMap().keySet();
  }

  private static OperatorServiceStubs operator(WorkflowClient client) {
    return OperatorServiceStubs.newServiceStubs(OperatorServiceStubsOptions.newBuilder()
        .setChannel(client.getWorkflowServiceStubs().getRawChannel())
        .validateAndBuildWithDefaults());
  }
}
