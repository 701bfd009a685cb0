import { describeNodeFlags } from '../../../test/support/node-flags';
import { QUERY_NODE_FLAGS } from './node-flags';

describeNodeFlags('query', QUERY_NODE_FLAGS);
