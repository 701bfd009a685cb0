import { describeNodeFlags } from '../../../test/support/node-flags';
import { INGEST_NODE_FLAGS } from './node-flags';

describeNodeFlags('ingest', INGEST_NODE_FLAGS);
