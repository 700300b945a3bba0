import { describeConnectorConformance } from 'syncbridge/testing';
import { memoryTarget } from './memory-target.js';

describeConnectorConformance(memoryTarget('memory'));
