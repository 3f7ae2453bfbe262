package dev.vmbackup.workflows.model;

/**
 * @param domain libvirt domain name
 * @param repository the requested repository, or null for the host's default
 */
public record InspectRequest(String domain, String repository) {}
