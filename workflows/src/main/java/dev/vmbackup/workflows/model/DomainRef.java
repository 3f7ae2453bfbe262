package dev.vmbackup.workflows.model;

/**
 * Names a domain; with a UUID, an action only touches the domain that has it.
 *
 * @param uuid null to act on whatever domain has the name
 */
public record DomainRef(String name, String uuid) {
  public static DomainRef named(String name) {
    return new DomainRef(name, null);
  }
}
