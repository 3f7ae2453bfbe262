package dev.vmbackup.workflows.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.RestoreRequest;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DataConverterException;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.common.converter.EncodingKeys;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The schemas describe what actually crosses the wire: samples of every input and result, with every
 * field set (and every enum constant) and with every field that may be null left null, are serialized by
 * the Temporal SDK's default data converter, the one the worker and the command line use, and must
 * validate; against a strict copy of the schema too, so that a property Jackson writes and the schema
 * does not name (a getter-like method, say) fails. Requests the schema accepts are read back by the
 * converter into the same record, and a request the schema refuses is refused by the converter too.
 */
class SchemasMatchWireFormatTest {
  private static final DataConverter CONVERTER = DefaultDataConverter.newDefaultInstance();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  static Stream<Arguments> inputsAndResults() {
    List<Arguments> cases = new ArrayList<>();
    for (WorkflowSchemas.Signature signature : WorkflowSchemas.signatures()) {
      for (WorkflowSchemas.Role role : WorkflowSchemas.Role.values()) {
        Type type = role == WorkflowSchemas.Role.INPUT ? signature.input() : signature.result();
        if (type != null) {
          cases.add(Arguments.of(signature.workflowType(), role, type));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("inputsAndResults")
  void serializedSamplesValidateAgainstTheSchema(String workflowType, WorkflowSchemas.Role role, Type type) {
    ObjectNode published = WorkflowSchemas.schema(type, role, workflowType);
    Schema schema = SCHEMAS.getSchema(published);
    Schema strict = SCHEMAS.getSchema(forbidUndeclaredProperties(published.deepCopy()));
    List<Object> samples = new ArrayList<>();
    for (int variant = 0; variant < SampleValues.variants(type); variant++) {
      samples.add(SampleValues.of(type, variant));
    }
    samples.add(SampleValues.minimal((Class<?>) type));

    for (Object sample : samples) {
      String wire = wire(sample);
      assertThat(schema.validate(wire, InputFormat.JSON)).as(wire).isEmpty();
      assertThat(strict.validate(wire, InputFormat.JSON))
          .as("properties the schema does not declare in " + wire).isEmpty();
      assertThat(read(wire, (Class<?>) type)).as("read back: " + wire).isEqualTo(sample);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"domain\":\"vm-001\",\"host\":\"hv1\"}",
      "{\"domain\":\"vm-001\",\"host\":\"hv1\",\"capture\":\"memory\",\"repository\":\"nas\"}",
      "{\"domain\":\"vm-001\",\"hooks\":{\"preSnapshot\":\"app-quiesce\",\"postSnapshot\":\"app-resume\"}}",
      "{\"domain\":\"vm-001\",\"strategy\":\"chain\",\"maxChainLength\":7,\"capture\":\"saved-state\"}",
      "{\"domain\":\"vm-001\",\"host\":\"hv1\",\"strategy\":\"incremental\",\"fullEvery\":7}"})
  void theReadmesBackupInputsAreValidAndReadAsTheyLook(String input) throws IOException {
    assertThat(errors(BackupRequest.class, WorkflowSchemas.Role.INPUT, input)).isEmpty();
    BackupRequest request = read(input, BackupRequest.class);
    assertThat(request.domain()).isEqualTo(JSON.readTree(input).path("domain").asText());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"domain\":\"vm-001\",\"capture\":\"snapshot\"}",
      "{\"domain\":\"vm-001\",\"strategy\":\"forever\"}",
      "{\"domain\":\"vm-001\",\"fullEvery\":\"seven\"}",
      "{\"domain\":[\"vm-001\"]}"})
  void aRequestTheSchemaRefusesTheConverterRefusesToo(String input) {
    assertThat(errors(BackupRequest.class, WorkflowSchemas.Role.INPUT, input)).isNotEmpty();
    assertThatThrownBy(() -> read(input, BackupRequest.class)).isInstanceOf(DataConverterException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"domain\":\"vm-001\",\"backupId\":\"20261122T221500Z\",\"as\":\"vm-001-copy\"}",
      "{\"domain\":\"vm-001\",\"host\":\"hv1\",\"backupId\":\"20261122T221500Z\",\"memory\":true}",
      "{\"domain\":\"vm-001\",\"backupId\":\"20261122T221500Z\",\"as\":\"c\",\"diskPoints\":{\"vdb\":\"20261122T210000Z\"}}"})
  void theReadmesRestoreInputsAreValid(String input) {
    assertThat(errors(RestoreRequest.class, WorkflowSchemas.Role.INPUT, input)).isEmpty();
    assertThat(read(input, RestoreRequest.class).backupId()).isEqualTo("20261122T221500Z");
  }

  @Test
  void aResultWithoutAFieldJacksonAlwaysWritesIsRefused() {
    String wire = wire(SampleValues.of(BackupResult.class));
    ObjectNode withoutId = (ObjectNode) parse(wire);
    withoutId.remove("backupId");

    assertThat(errors(BackupResult.class, WorkflowSchemas.Role.RESULT, withoutId.toString()))
        .extracting(Error::getMessage).anyMatch(message -> message.contains("backupId"));
  }

  private static List<Error> errors(Class<?> type, WorkflowSchemas.Role role, String json) {
    return SCHEMAS.getSchema(WorkflowSchemas.schema(type, role, "Test"))
        .validate(json, InputFormat.JSON);
  }

  /** The JSON the SDK's converter puts in a payload for {@code value}. */
  private static String wire(Object value) {
    Payload payload = CONVERTER.toPayload(value).orElseThrow();
    assertThat(payload.getMetadataOrThrow(EncodingKeys.METADATA_ENCODING_KEY).toStringUtf8()).isEqualTo("json/plain");
    return payload.getData().toStringUtf8();
  }

  /** What the SDK's converter reads from a JSON payload, as a worker reads a workflow's input. */
  private static <T> T read(String json, Class<T> type) {
    Payload payload = Payload.newBuilder()
        .putMetadata(EncodingKeys.METADATA_ENCODING_KEY, ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFrom(json, StandardCharsets.UTF_8)).build();
    return CONVERTER.fromPayload(payload, type, type);
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The schema with {@code additionalProperties: false} on every object that lists its properties. */
  private static JsonNode forbidUndeclaredProperties(JsonNode node) {
    if (node instanceof ObjectNode object) {
      if (object.has("properties") && !object.has("additionalProperties")) {
        object.put("additionalProperties", false);
      }
      object.properties().forEach(entry -> forbidUndeclaredProperties(entry.getValue()));
    } else if (node.isArray()) {
      node.forEach(SchemasMatchWireFormatTest::forbidUndeclaredProperties);
    }
    return node;
  }
}
