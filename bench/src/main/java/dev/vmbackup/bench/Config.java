package dev.vmbackup.bench;

import java.nio.file.Path;
import java.util.Set;

/**
 * @param quick the smoke run: small sizes, one run, so that the command keeps working in the test suite
 * @param runs repetitions of each measurement
 * @param cases which tables to produce
 */
record Config(boolean quick, int runs, Set<String> cases, Path out) {}
