package dev.vmbackup.testing;

/**
 * One line the test guest appends to {@code records.log} on every disk: its boot id and a counter.
 * The counter starts at 1 on every boot, so a new boot id means the guest booted again.
 */
public record GuestRecord(String boot, long sequence) {}
