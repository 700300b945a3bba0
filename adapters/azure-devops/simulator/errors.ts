/**
 * Azure DevOps error responses as the service sends them: a JSON body
 * `{ $id, innerException, message, typeName, typeKey, errorCode, eventId }` with the
 * status the service maps each exception type to.
 */
export class AdoSimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly typeKey: string,
    readonly customProperties?: Record<string, unknown>,
    /** For rule errors: the fields broken, so one save can report them all. */
    readonly violations: RuleViolation[] = [],
  ) {
    super(message);
  }
}

const namespaces: Record<string, string> = {
  TestPatchOperationFailedException:
    'Microsoft.VisualStudio.Services.WebApi.Patch.TestPatchOperationFailedException, Microsoft.VisualStudio.Services.WebApi',
  PatchOperationFailedException:
    'Microsoft.VisualStudio.Services.WebApi.Patch.PatchOperationFailedException, Microsoft.VisualStudio.Services.WebApi',
  VssVersionNotSpecifiedException:
    'Microsoft.VisualStudio.Services.WebApi.VssVersionNotSpecifiedException, Microsoft.VisualStudio.Services.WebApi',
  VssInvalidPreviewVersionException:
    'Microsoft.VisualStudio.Services.WebApi.VssInvalidPreviewVersionException, Microsoft.VisualStudio.Services.WebApi',
};

/** Builds the JSON response for an error. */
export function errorResponse(error: AdoSimError): Response {
  const typeName =
    namespaces[error.typeKey] ??
    `Microsoft.TeamFoundation.WorkItemTracking.Server.${error.typeKey}, Microsoft.TeamFoundation.WorkItemTracking.Server`;
  const body = {
    $id: '1',
    ...(error.customProperties ? { customProperties: error.customProperties } : {}),
    innerException: null,
    message: error.message,
    typeName,
    typeKey: error.typeKey,
    errorCode: 0,
    eventId: 3000,
  };
  return json(body, error.status);
}

/** A JSON response with the service's content type. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(body);
  return withText(
    new Response(text, {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8; api-version=7.1', ...headers },
    }),
    text,
  );
}

/**
 * The body text of requests and answers made in this process (a `$batch` runs up to 200
 * requests through the routes), so that it is taken as it is rather than read back as a stream.
 * A request or answer a hook replaced is read as usual.
 */
const bodyTexts = new WeakMap<Request | Response, string>();

/** Notes a request's or answer's body text (see {@link bodyText}). */
export function withText<T extends Request | Response>(message: T, text: string): T {
  bodyTexts.set(message, text);
  return message;
}

/** A request's or answer's body text: as noted when it was made here, or read. */
export function bodyText(message: Request | Response): Promise<string> {
  const text = bodyTexts.get(message);
  return text !== undefined && !message.bodyUsed ? Promise.resolve(text) : message.text();
}

/** 400 for a request the service cannot parse or accept. */
export function badRequest(message: string, typeKey = 'VssServiceException'): AdoSimError {
  return new AdoSimError(400, message, typeKey);
}

/** 404 for a work item that does not exist (the service's TF401232). */
export function workItemNotFound(id: number | string): AdoSimError {
  return new AdoSimError(
    404,
    `TF401232: Work item ${id} does not exist, or you do not have permissions to read it.`,
    'WorkItemUnauthorizedAccessException',
  );
}

/** 404 for an unknown project (the service's TF200016). */
export function projectNotFound(name: string): AdoSimError {
  return new AdoSimError(
    404,
    `TF200016: The following project does not exist: ${name}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`,
    'ProjectDoesNotExistWithNameException',
  );
}

/** One field a save breaks a rule of: its reference and display names, the rule flags, and the service's explanation. */
export interface RuleViolation {
  fieldRef: string;
  fieldName: string;
  flag: string;
  /** The service's plain explanation (`The field 'State' contains the value 'Closed' that is not in the list of supported values`). */
  explanation?: string;
}

/**
 * 400 rule-validation error (TF401320). The message names the first field; `RuleValidationErrors`
 * in `customProperties` lists every field the save breaks a rule of, each with its explanation.
 */
export function ruleErrors(violations: RuleViolation[]): AdoSimError {
  const [first] = violations as [RuleViolation, ...RuleViolation[]];
  const message = (v: RuleViolation) => `TF401320: Rule Error for field ${v.fieldName}. Error code: ${v.flag}.`;
  return new AdoSimError(
    400,
    message(first),
    'RuleValidationException',
    {
      FieldReferenceName: first.fieldRef,
      FieldStatusFlags: first.flag,
      ErrorMessage: message(first),
      RuleValidationErrors: violations.map((v) => ({
        fieldReferenceName: v.fieldRef,
        fieldStatusFlags: v.flag,
        errorMessage: v.explanation ?? message(v),
      })),
    },
    violations,
  );
}

/** 400 rule-validation error (TF401320) for one field. */
export function ruleError(fieldRef: string, fieldName: string, flag: string, explanation?: string): AdoSimError {
  return ruleErrors([{ fieldRef, fieldName, flag, ...(explanation ? { explanation } : {}) }]);
}
