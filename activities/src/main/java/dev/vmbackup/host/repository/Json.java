package dev.vmbackup.host.repository;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one JSON mapper for manifests and other files vmbackup writes: indented, nulls left out, lenient reader. */
public final class Json {
  /**
   * Indented so that an operator can read a manifest; nulls are left out so that optional parts
   * simply do not appear; unknown properties are ignored so that an older vmbackup can still read a
   * manifest a newer one wrote. Records are read through their canonical constructors, and enums
   * through their {@code @JsonValue}/{@code @JsonCreator} wire names.
   */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .build();

  private Json() {}
}
