// Task graphs: nodes that depend on other nodes, run through one pool.
export { runGraph, runGraphFrom, type RunGraphOptions } from './runGraph.js';
export { TaskGraph, taskGraph, type NodeOptions } from './taskGraph.js';
export type { GraphNode, GraphContext, GraphInput } from './GraphNode.js';
export {
  DependencyFailedError,
  isDependencyFailedError,
  InvalidGraphError,
  isInvalidGraphError,
  GraphFailedFastError,
  isGraphFailedFastError,
  type BlockingStatus,
  type GraphProblem,
} from './graphErrors.js';
export { GraphPool, type GraphPoolOptions, type GraphHandle } from './GraphPool.js';
export { summarizeGraph, formatGraphSummary, type GraphSummary } from './summarizeGraph.js';
