package dev.vmbackup.workflows.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.victools.jsonschema.generator.FieldScope;
import com.github.victools.jsonschema.generator.MemberScope;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import com.github.victools.jsonschema.module.jackson.JacksonModule;
import com.github.victools.jsonschema.module.jackson.JacksonOption;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.WorkflowTypes;
import io.temporal.common.metadata.POJOWorkflowImplMetadata;
import io.temporal.common.metadata.POJOWorkflowMethodMetadata;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The JSON Schemas of every workflow's input and result, as the Temporal SDK's default JSON data
 * converter writes and reads them, published in {@code docs/schemas} for services that call vmbackup.
 *
 * <p>The workflow types come from {@link WorkflowTypes#CALLABLE} through the SDK's own metadata
 * (so a type name is the one Temporal uses), and each {@code @WorkflowMethod}'s parameter and return type
 * is described by reflection over the records: a new workflow, or a new field, cannot be forgotten.
 * Enums are written by their {@code @JsonValue} ({@code "saved-state"}), as Jackson sends them. Whether a
 * field is required or may be null follows what the record's canonical constructor does with null
 * ({@link RecordComponents}): a request may leave out every field the constructor does not refuse (the
 * workflow validates what it needs and fails with {@code INVALID_INPUT}); a result always holds every
 * field, since Jackson writes nulls too, and only fields the constructor keeps null may be null.
 *
 * <p>{@code main} writes the files ({@code scripts/generate-schemas.sh}); {@code SchemasUpToDateTest}
 * fails when the committed ones differ.
 */
public final class WorkflowSchemas {
  /** Which side of a workflow a type is: what it is sent, or what it answers. */
  public enum Role { INPUT, RESULT }

  /**
   * One workflow type's contract.
   *
   * @param workflowType the name Temporal knows it by
   * @param input the type of its single argument, or null for a workflow without one
   * @param result its result type, or null for {@code void}
   */
  public record Signature(String workflowType, Type input, Type result) {}

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private WorkflowSchemas() {}

  /** Every registered workflow type with its input and result types, in registration order. */
  public static List<Signature> signatures() {
    List<Signature> signatures = new ArrayList<>();
    for (Class<?> implementation : WorkflowTypes.CALLABLE) {
      for (POJOWorkflowMethodMetadata metadata : POJOWorkflowImplMetadata.newInstance(implementation).getWorkflowMethods()) {
        Method method = metadata.getWorkflowMethod();
        Type[] parameters = method.getGenericParameterTypes();
        if (parameters.length > 1) {
          // Temporal would send several payloads, which no single schema (and no Web UI form) describes.
          throw new IllegalStateException(metadata.getName() + " takes " + parameters.length
              + " arguments; vmbackup's workflows take one record, so that one JSON object starts them");
        }
        Type result = method.getReturnType() == void.class ? null : method.getGenericReturnType();
        signatures.add(new Signature(metadata.getName(), parameters.length == 0 ? null : parameters[0], result));
      }
    }
    return signatures;
  }

  /** The schema file name of a type: {@code BackupRequest.schema.json}. */
  public static String fileName(Type type) {
    return name(type) + ".schema.json";
  }

  /**
   * Every file of {@code docs/schemas} by name: one schema per input and result type, and README.md,
   * the index by workflow type.
   */
  public static Map<String, String> files() {
    Map<String, String> files = new TreeMap<>();
    Map<String, String> roles = new TreeMap<>();
    StringBuilder index = new StringBuilder(String.join("\n",
        "# JSON Schemas of the workflows",
        "",
        "Generated from the Java records by `scripts/generate-schemas.sh` (do not edit; `SchemasUpToDateTest`",
        "fails when these differ from the code). Start a workflow on task queue `" + TaskQueues.WORKFLOWS + "`",
        "with one JSON object as its input; its result is one JSON object. JSON Schema draft 2020-12.",
        "",
        "| Workflow type | Input | Result |",
        "| --- | --- | --- |",
        ""));
    for (Signature signature : signatures()) {
      index.append("| `").append(signature.workflowType()).append("` | ")
          .append(link(signature.input())).append(" | ").append(link(signature.result())).append(" |\n");
      for (Role role : Role.values()) {
        Type type = role == Role.INPUT ? signature.input() : signature.result();
        if (type == null) {
          continue;
        }
        String file = fileName(type);
        String earlier = roles.put(file, role + " of " + signature.workflowType());
        if (earlier != null && !earlier.startsWith(role.name())) {
          // A record's schema differs by role (required, nullable), so one file cannot serve both.
          throw new IllegalStateException(name(type) + " is both " + earlier + " and " + role + " of "
              + signature.workflowType() + ": give each side a record of its own");
        }
        files.put(file, render(schema(type, role, signature.workflowType())));
      }
    }
    files.put("README.md", index.toString());
    return files;
  }

  /** The schema of {@code type} in {@code role}, titled and described for the workflow it belongs to. */
  public static ObjectNode schema(Type type, Role role, String workflowType) {
    SchemaGeneratorConfigBuilder config = new SchemaGeneratorConfigBuilder(SchemaVersion.DRAFT_2020_12,
        OptionPreset.PLAIN_JSON)
        .with(new JacksonModule(JacksonOption.FLATTENED_ENUMS_FROM_JSONVALUE))
        .with(Option.MAP_VALUES_AS_ADDITIONAL_PROPERTIES)
        .without(Option.NONPUBLIC_STATIC_FIELDS, Option.PUBLIC_STATIC_FIELDS);
    config.forFields()
        .withRequiredCheck(field -> required(field, role))
        .withNullableCheck(field -> nullable(field, role));
    config.forTypesInGeneral().withPropertySorter(WorkflowSchemas::declarationOrder);
    ObjectNode schema = new SchemaGenerator(config.build()).generateSchema(type);
    ObjectNode titled = JSON.createObjectNode();
    titled.put("$schema", schema.path("$schema").asText());
    titled.put("title", name(type));
    titled.put("description", (role == Role.INPUT ? "Input" : "Result") + " of the Temporal workflow type "
        + workflowType + " (task queue " + TaskQueues.WORKFLOWS + "), as the SDK's JSON data converter "
        + (role == Role.INPUT ? "reads it. Fields left out take their defaults." : "writes it."));
    schema.remove("$schema");
    titled.setAll(schema);
    return titled;
  }

  /** A schema as written to its file: indented, with a final newline. */
  static String render(JsonNode schema) {
    try {
      return JSON.writeValueAsString(schema) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean required(FieldScope field, Role role) {
    RecordComponent component = component(field);
    if (component == null) {
      return false;
    }
    // Jackson writes every field of a result, null or not; a request may leave out what the record defaults.
    return role == Role.RESULT || RecordComponents.nullHandling(component) == RecordComponents.NullHandling.REJECTED;
  }

  private static boolean nullable(FieldScope field, Role role) {
    RecordComponent component = component(field);
    if (component == null) {
      return false;
    }
    return switch (RecordComponents.nullHandling(component)) {
      case PRIMITIVE, REJECTED -> false;
      // A request may send null for what the record defaults; a result never holds it.
      case DEFAULTED -> role == Role.INPUT;
      case KEPT -> true;
    };
  }

  private static RecordComponent component(FieldScope field) {
    Field member = field.getRawMember();
    Class<?> owner = member.getDeclaringClass();
    if (!owner.isRecord()) {
      return null;
    }
    return Arrays.stream(owner.getRecordComponents())
        .filter(component -> component.getName().equals(member.getName())).findFirst().orElse(null);
  }

  /** Properties in the order the record declares them, so that a schema reads like its record. */
  private static int declarationOrder(MemberScope<?, ?> first, MemberScope<?, ?> second) {
    return Integer.compare(position(first), position(second));
  }

  private static int position(MemberScope<?, ?> member) {
    Class<?> owner = member.getDeclaringType().getErasedType();
    if (owner.isRecord()) {
      RecordComponent[] components = owner.getRecordComponents();
      for (int i = 0; i < components.length; i++) {
        if (components[i].getName().equals(member.getDeclaredName())) {
          return i;
        }
      }
    }
    return Integer.MAX_VALUE;
  }

  private static String name(Type type) {
    if (type instanceof Class<?> cls) {
      return cls.getSimpleName();
    }
    throw new IllegalStateException("workflow input or result " + type + " is not a record class; "
        + "a generic type needs a file name of its own in WorkflowSchemas");
  }

  private static String link(Type type) {
    return type == null ? "none" : "[" + name(type) + "](" + fileName(type) + ")";
  }

  /** Writes {@link #files()} into the directory given (default {@code docs/schemas}) and removes stale schemas. */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "docs/schemas");
    Files.createDirectories(dir);
    Map<String, String> files = files();
    try (Stream<Path> existing = Files.list(dir)) {
      for (Path old : existing.filter(path -> path.toString().endsWith(".schema.json")).toList()) {
        if (!files.containsKey(old.getFileName().toString())) {
          Files.delete(old);
        }
      }
    }
    for (Map.Entry<String, String> file : files.entrySet()) {
      Files.writeString(dir.resolve(file.getKey()), file.getValue());
    }
    System.out.println("wrote " + files.size() + " files to " + dir);
  }
}
