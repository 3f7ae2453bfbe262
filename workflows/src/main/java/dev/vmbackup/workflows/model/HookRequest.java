package dev.vmbackup.workflows.model;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

/**
 * One hook to run on the host.
 *
 * @param phase {@code pre-snapshot} or {@code post-snapshot}
 * @param hook the name of a hook in the host's configuration; the host runs the command it defines
 *     there. Read from {@code command} too, where an older workflow put an argument list, so that the
 *     host refuses such a request instead of ignoring it.
 */
public record HookRequest(
    String phase,
    String domain,
    String backupId,
    String host,
    @JsonAlias("command") @JsonDeserialize(using = NameOrArgv.class) String hook) {}
