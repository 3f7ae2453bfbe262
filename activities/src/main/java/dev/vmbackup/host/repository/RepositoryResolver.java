package dev.vmbackup.host.repository;

/**
 * Opens the repository a request or a command names: the port through which activities, the command
 * line and the HTTP API reach repositories. The composition root ({@code WorkerAssembly}) chooses the
 * implementation and hands it in, so that another kind of repository is one new implementation and
 * one line of wiring; nothing else constructs a repository.
 */
@FunctionalInterface
public interface RepositoryResolver {
  /**
   * The repository at {@code repository}, as the workflow resolved it from the request (a path for
   * repositories on files). Opening is cheap and touches nothing: a repository that does not exist
   * fails on first use.
   *
   * @throws IllegalArgumentException if {@code repository} cannot name a repository of this kind
   */
  BackupRepository open(String repository);
}
