import { ApiError, type ImErrorClass } from "../errors.js";

/**
 * The IM error classes of im-api.md §1.4.2 with their fixed wire texts. The REST layer maps
 * `imClass` to a status and a route prefix (§1.4.3); XML-RPC answers `[false, message]`.
 */
abstract class ImError extends ApiError {
  protected constructor(code: string, imClass: ImErrorClass, status: number, message: string) {
    super(code, imClass, status, message);
  }
}

export class IncorrectInfrastructureError extends ImError {
  constructor() {
    super(
      "E-IM-INCORRECT-INF",
      "IncorrectInfrastructure",
      404,
      "Invalid infrastructure ID or access not granted.",
    );
  }
}

export class DeletedInfrastructureError extends ImError {
  constructor() {
    super("E-IM-DELETED-INF", "DeletedInfrastructure", 404, "Deleted infrastructure.");
  }
}

export class UnauthorizedUserError extends ImError {
  constructor() {
    super("E-IM-UNAUTHORIZED", "UnauthorizedUser", 403, "Access to this infrastructure not granted.");
  }
}

export class InvalidUserError extends ImError {
  constructor(message = "Invalid InfrastructureManager credentials") {
    super("E-IM-INVALID-USER", "InvalidUser", 401, message);
  }
}

export class DisabledFunctionError extends ImError {
  constructor() {
    super("E-IM-DISABLED", "DisabledFunction", 403, "Function currently disabled.");
  }
}

export class IncorrectVmError extends ImError {
  constructor() {
    super("E-IM-INCORRECT-VM", "IncorrectVM", 404, "Invalid VM ID");
  }
}

export class DeletedVmError extends ImError {
  constructor() {
    super("E-IM-DELETED-VM", "DeletedVM", 404, "Deleted VM.");
  }
}

export class IncorrectStateError extends ImError {
  constructor() {
    super("E-IM-INCORRECT-STATE", "IncorrectState", 409, "Invalid State to perform this operation.");
  }
}

/** Any other failure of an operation (cloud error, parse error, ...): 400 with its own message. */
export class OperationFailedError extends ImError {
  constructor(message: string, code = "E-IM-OPERATION") {
    super(code, "Other", 400, message);
  }
}

/**
 * The server stopped while the operation's VMs were being launched: its job stays unfinished in
 * DATA_DB and the next start carries it on (503, as for any request a stopping server cannot finish).
 */
export class ServerStoppingError extends ImError {
  constructor() {
    super("E-IM-STOPPING", "Other", 503, "The server is stopping: the launch goes on when it starts again");
  }
}

/** A property that a VM (or an infrastructure) does not have: 404 without a route prefix. */
export class IncorrectPropertyError extends ImError {
  constructor(message: string) {
    super("E-IM-INCORRECT-PROPERTY", "Other", 404, message);
  }
}

/** A property that exists only for other infrastructures (`tosca`, `outputs` of a RADL one): 403. */
export class InvalidPropertyError extends ImError {
  constructor(property: string) {
    super(
      "E-IM-INVALID-PROPERTY",
      "Other",
      403,
      `'${property}' infrastructure property is not valid in this infrastructure`,
    );
  }
}
