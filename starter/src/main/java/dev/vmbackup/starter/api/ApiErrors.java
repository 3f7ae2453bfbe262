package dev.vmbackup.starter.api;

import dev.vmbackup.client.BackupAlreadyRunningException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;
import java.util.Map;

/** Every API error is a JSON body {@code {"error": "..."}} with the status that says whose fault it is. */
final class ApiErrors {
  private ApiErrors() {}

  /** Something the request named does not exist. */
  static final class NotFound extends RuntimeException {
    NotFound(String message) {
      super(message);
    }
  }

  static HttpResponse<Map<String, String>> body(HttpResponse<?> status, String message) {
    return HttpResponse.<Map<String, String>>status(status.getStatus()).body(Map.of("error", message));
  }

  @Produces
  @Singleton
  @Requires(classes = IllegalArgumentException.class)
  static final class BadRequest implements ExceptionHandler<IllegalArgumentException, HttpResponse<?>> {
    @Override
    public HttpResponse<?> handle(HttpRequest request, IllegalArgumentException exception) {
      return HttpResponse.badRequest(Map.of("error", exception.getMessage()));
    }
  }

  @Produces
  @Singleton
  @Requires(classes = NotFound.class)
  static final class Missing implements ExceptionHandler<NotFound, HttpResponse<?>> {
    @Override
    public HttpResponse<?> handle(HttpRequest request, NotFound exception) {
      return HttpResponse.notFound(Map.of("error", exception.getMessage()));
    }
  }

  @Produces
  @Singleton
  @Requires(classes = BackupAlreadyRunningException.class)
  static final class Conflict implements ExceptionHandler<BackupAlreadyRunningException, HttpResponse<?>> {
    @Override
    public HttpResponse<?> handle(HttpRequest request, BackupAlreadyRunningException exception) {
      return HttpResponse.status(io.micronaut.http.HttpStatus.CONFLICT).body(Map.of("error", exception.getMessage()));
    }
  }

  @Produces
  @Singleton
  @Requires(classes = io.temporal.client.schedules.ScheduleException.class)
  static final class Schedules
      implements ExceptionHandler<io.temporal.client.schedules.ScheduleException, HttpResponse<?>> {
    @Override
    public HttpResponse<?> handle(HttpRequest request, io.temporal.client.schedules.ScheduleException exception) {
      for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
        if (cause instanceof StatusRuntimeException status) {
          if (status.getStatus().getCode() == Status.Code.NOT_FOUND) {
            return HttpResponse.notFound(Map.of("error", "no such policy"));
          }
          if (status.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
            return HttpResponse.status(io.micronaut.http.HttpStatus.CONFLICT).body(Map.of("error", "policy exists already"));
          }
        }
      }
      return HttpResponse.serverError(Map.of("error", "Temporal schedule error: " + exception.getMessage()));
    }
  }

  @Produces
  @Singleton
  @Requires(classes = StatusRuntimeException.class)
  static final class Grpc implements ExceptionHandler<StatusRuntimeException, HttpResponse<?>> {
    @Override
    public HttpResponse<?> handle(HttpRequest request, StatusRuntimeException exception) {
      if (exception.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return HttpResponse.notFound(Map.of("error", "not found: " + exception.getStatus().getDescription()));
      }
      return HttpResponse.serverError(Map.of("error", "Temporal: " + exception.getStatus()));
    }
  }
}
