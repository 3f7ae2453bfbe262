package dev.vmbackup.starter.api;

import io.micronaut.context.annotation.ConfigurationProperties;

/** Settings of the HTTP API ({@code vmbackup server}). */
@ConfigurationProperties("vmbackup.api")
public class ApiConfig {
  /** The repository the API lists and verifies (the host's, mounted here). */
  private String repository = "/var/lib/vmbackup/repository";

  public String getRepository() {
    return repository;
  }

  public void setRepository(String repository) {
    this.repository = repository;
  }
}
