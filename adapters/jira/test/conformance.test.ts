import { createJiraSimulator } from 'syncbridge/testing/jira';
import { describeInProcessConformance } from '../../test-support/in-process.js';
import { conformanceContext } from './support.js';

describeInProcessConformance('jira (in-process, msw)', {
  create: () => createJiraSimulator({ seed: 'empty' }),
  context: conformanceContext,
});
