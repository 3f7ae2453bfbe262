package dev.vmbackup.host.image;

/**
 * @param ok no corruption and no leaks that matter (leaked clusters are reported, not failed)
 * @param summary one line for an operator
 */
public record CheckResult(boolean ok, String summary) {}
