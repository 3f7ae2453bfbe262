package dev.vmbackup.starter;

import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Turns any failure into one clear line on stderr and exit code 1. */
final class FailureReporter implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) {
    commandLine.getErr().println("vmbackup: " + message(ex));
    if (System.getenv("VMBACKUP_DEBUG") != null) {
      ex.printStackTrace(commandLine.getErr());
    }
    return 1;
  }

  /** The most specific message: the innermost application failure's own words, where there is one. */
  static String message(Throwable failure) {
    ApplicationFailure application = null;
    boolean canceled = false;
    boolean timedOut = false;
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof ApplicationFailure found) {
        application = found;
      } else if (cause instanceof CanceledFailure) {
        canceled = true;
      } else if (cause instanceof TimeoutFailure) {
        timedOut = true;
      }
    }
    if (application != null) {
      return application.getOriginalMessage();
    }
    if (canceled) {
      return "the workflow was cancelled; what it had done was undone";
    }
    if (timedOut && failure instanceof WorkflowFailedException) {
      return "a step timed out: is the worker of that host running? (" + failure.getMessage() + ")";
    }
    if (failure instanceof TemporalFailure temporal) {
      return temporal.getOriginalMessage();
    }
    String unreachable = unreachable(failure);
    if (unreachable != null) {
      return unreachable;
    }
    String message = failure.getMessage();
    return message == null ? failure.getClass().getSimpleName() : message.lines().findFirst().orElse(message);
  }

  /**
   * A refused or failed connection to Temporal, with the innermost cause: gRPC's own words ("ssl
   * exception") do not say that the server wanted a client certificate, its TLS alert does.
   */
  private static String unreachable(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof io.grpc.StatusRuntimeException status
          && status.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE) {
        Throwable root = status;
        while (root.getCause() != null) {
          root = root.getCause();
        }
        String detail = root == status || root.getMessage() == null ? ""
            : " (" + root.getMessage().lines().findFirst().orElse("") + ")";
        return "cannot reach Temporal: " + status.getMessage().lines().findFirst().orElse("") + detail;
      }
    }
    return null;
  }
}
