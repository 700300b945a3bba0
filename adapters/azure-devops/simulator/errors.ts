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
  ) {
    super(message);
  }
}

const namespaces: Record<string, string> = {
  TestPatchOperationFailedException: 'Microsoft.VisualStudio.Services.WebApi.Patch.TestPatchOperationFailedException, Microsoft.VisualStudio.Services.WebApi',
  PatchOperationFailedException: 'Microsoft.VisualStudio.Services.WebApi.Patch.PatchOperationFailedException, Microsoft.VisualStudio.Services.WebApi',
  VssVersionNotSpecifiedException: 'Microsoft.VisualStudio.Services.WebApi.VssVersionNotSpecifiedException, Microsoft.VisualStudio.Services.WebApi',
  VssInvalidPreviewVersionException: 'Microsoft.VisualStudio.Services.WebApi.VssInvalidPreviewVersionException, Microsoft.VisualStudio.Services.WebApi',
};

/** Builds the JSON response for an error. */
export function errorResponse(error: AdoSimError): Response {
  const typeName = namespaces[error.typeKey] ?? `Microsoft.TeamFoundation.WorkItemTracking.Server.${error.typeKey}, Microsoft.TeamFoundation.WorkItemTracking.Server`;
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
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8; api-version=7.1', ...headers } });
}

/** 400 for a request the service cannot parse or accept. */
export function badRequest(message: string, typeKey = 'VssServiceException'): AdoSimError {
  return new AdoSimError(400, message, typeKey);
}

/** 404 for a work item that does not exist (the service's TF401232). */
export function workItemNotFound(id: number | string): AdoSimError {
  return new AdoSimError(404, `TF401232: Work item ${id} does not exist, or you do not have permissions to read it.`, 'WorkItemUnauthorizedAccessException');
}

/** 404 for an unknown project (the service's TF200016). */
export function projectNotFound(name: string): AdoSimError {
  return new AdoSimError(404, `TF200016: The following project does not exist: ${name}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`, 'ProjectDoesNotExistWithNameException');
}

/** 400 rule-validation error (TF401320) naming the field and why. */
export function ruleError(fieldRef: string, fieldName: string, flag: string, extra = ''): AdoSimError {
  const message = `TF401320: Rule Error for field ${fieldName}. Error code: ${flag}.${extra ? ` ${extra}` : ''}`;
  return new AdoSimError(400, message, 'RuleValidationException', {
    FieldReferenceName: fieldRef,
    FieldStatusFlags: flag,
    ErrorMessage: message,
    RuleValidationErrors: [{ fieldReferenceName: fieldRef, fieldStatusFlags: flag, errorMessage: message }],
  });
}
