/**
 * The Jira connector (Cloud REST v3, Data Center REST v2) (simulator: `syncbridge/testing/jira`).
 * @packageDocumentation
 * @module syncbridge/jira
 */

// Connector
export { jiraConnector } from './connector.js';
export { jiraOptionsSchema, type JiraOptions } from './options.js';
export { adfToRichText, richTextToAdf, type AdfNode } from './rich-text.js';
export { richTextToWiki, wikiToRichText } from './wiki-markup.js';
