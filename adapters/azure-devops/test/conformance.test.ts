import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { describeInProcessConformance } from '../../test-support/in-process.js';
import { conformanceContext } from './support.js';

describeInProcessConformance('azure-devops (in-process, msw)', {
  create: () => createAzureDevOpsSimulator({ seed: 'empty' }),
  path: '/demo-org',
  context: conformanceContext,
});
