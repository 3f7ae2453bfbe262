package dev.vmbackup.workflows.model;

/**
 * A backup that was made and verified in a store's staging directory, to go into the store.
 *
 * @param store the store repository's name in the host configuration
 * @param repository the staging directory the backup was made in ({@link DomainInfo#repository()})
 * @param domain the domain
 * @param backupId the backup's id, in the staging directory and in every listing
 */
public record StoreIngestRequest(String store, String repository, String domain, String backupId) {}
