package dev.vmbackup.host.hypervisor;

import dev.vmbackup.workflows.model.DomainState;

/** A domain's identity and run state. */
public record DomainStatus(String name, String uuid, DomainState state, boolean persistent) {}
