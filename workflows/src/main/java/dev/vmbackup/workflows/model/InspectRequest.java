package dev.vmbackup.workflows.model;

/**
 * @param domain libvirt domain name
 * @param repository the requested repository, or null for the host's default
 * @param hooks the backup's hooks, or null: the host refuses names it does not define here, before the
 *     backup does anything
 */
public record InspectRequest(String domain, String repository, Hooks hooks) {
  /** Inspection without hooks (restores). */
  public InspectRequest(String domain, String repository) {
    this(domain, repository, null);
  }
}
