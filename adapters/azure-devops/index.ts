/**
 * The Azure DevOps connector (`syncbridge/azure-devops`) (simulator: `syncbridge/testing/azure-devops`).
 * @packageDocumentation
 * @module syncbridge/azure-devops
 */

// Connector
export { azureDevOpsConnector } from './connector.js';
export { azureDevOpsOptionsSchema, type AzureDevOpsOptions } from './options.js';
export { htmlToRichText, richTextToHtml } from './rich-text.js';
