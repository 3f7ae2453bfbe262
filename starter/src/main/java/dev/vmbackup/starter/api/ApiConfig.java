package dev.vmbackup.starter.api;

import io.micronaut.context.annotation.ConfigurationProperties;

/** Settings of the HTTP API ({@code vmbackup server}). */
@ConfigurationProperties("vmbackup.api")
public class ApiConfig {
  /** The repository the API lists and verifies (the host's, mounted here). */
  private String repository = "/var/lib/vmbackup/repository";

  /** The one origin (the Temporal Web UI's) whose browser pages may call the codec endpoint, or null. */
  private String codecCorsOrigin;

  public String getCodecCorsOrigin() {
    return codecCorsOrigin;
  }

  public void setCodecCorsOrigin(String codecCorsOrigin) {
    this.codecCorsOrigin = codecCorsOrigin;
  }

  public String getRepository() {
    return repository;
  }

  public void setRepository(String repository) {
    this.repository = repository;
  }
}
