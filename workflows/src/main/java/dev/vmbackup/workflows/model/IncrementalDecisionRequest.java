package dev.vmbackup.workflows.model;

/**
 * Asks whether a backup of strategy {@code incremental} or {@code differential} can continue its chain.
 *
 * @param domain the domain as inspected
 * @param strategy {@link Strategy#INCREMENTAL} or {@link Strategy#DIFFERENTIAL}
 * @param fullEvery a new full backup after this many incrementals (or differentials) since the last full
 * @param allowFullFallback back up disks libvirt cannot track with a full copy instead of refusing
 */
public record IncrementalDecisionRequest(DomainInfo domain, Strategy strategy, int fullEvery, boolean allowFullFallback) {}
