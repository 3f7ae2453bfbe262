package dev.vmbackup.workflows.model;

/**
 * Upkeep of a store repository, run on a host whose configuration names it: copy its backups off-site,
 * re-read its chunks, collect what no backup needs. Each part runs when its field is given, in that
 * order; at least one must be. Meant to be started by a Temporal Schedule (as benji's scrub or PBS's
 * verify and garbage collection jobs are), from the Web UI, or by any caller with plain JSON.
 *
 * @param repository the store repository's name in the host's configuration (required)
 * @param host the host whose worker runs it; absent: the workflow worker's default host
 * @param syncTo the name of another store repository of that host to copy the backups it lacks into
 * @param verifyPercent the share of the referenced chunks to re-read, 1 to 100
 * @param verifySeed which sample: runs with the same seed re-read the same chunks; absent: 0
 * @param gcGraceHours collect unreferenced chunks older than this many hours (at least 1, so that no
 *     backup running now can lose a chunk; docs/store-format.md recommends 24)
 */
public record StoreMaintenanceRequest(String repository, String host, String syncTo, Integer verifyPercent,
    Long verifySeed, Integer gcGraceHours) {}
