package dev.vmbackup.host.repository;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The one JSON mapper for manifests and other files vmbackup writes: indented, nulls left out, lenient reader. */
public final class Json {
  public static final ObjectMapper MAPPER = null; // TODO

  private Json() {}
}
