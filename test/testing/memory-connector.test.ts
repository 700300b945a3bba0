import { describeConnectorConformance } from 'syncbridge/testing';
import { memoryTarget } from './memory-target.js';

describeConnectorConformance(memoryTarget('memory'));
// The engine copes with both: the parts' cases must hold without stamps too.
describeConnectorConformance(memoryTarget('memory without attachment stamps', undefined, { attachmentStamps: false }));
