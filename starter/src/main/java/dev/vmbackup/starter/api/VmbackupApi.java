package dev.vmbackup.starter.api;

import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.security.SecurityScheme;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;

/** The OpenAPI document's header; micronaut-openapi generates the rest from the controllers at build time. */
@OpenAPIDefinition(
    info = @Info(title = "vmbackup", version = "0.1",
        description = "Live backups and restores of libvirt/KVM VMs as durable Temporal workflows"),
    security = @SecurityRequirement(name = "bearer"))
@SecurityScheme(name = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer")
final class VmbackupApi {
  private VmbackupApi() {}
}
