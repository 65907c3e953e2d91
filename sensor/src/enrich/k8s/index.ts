// The Kubernetes side of enrichment: this node's pods from the API server (list + watch), as a PodSource.
// client-node is imported by KubePodSource.start() only, so importing this module costs nothing.
export {
  KubeApiError,
  KubePodSource,
  containerIdOf,
  containerIdsOf,
  podMetaOf,
  workloadOf,
} from './pods.js';
export type { KubeAccess, KubeErrorCode, KubePod, KubePodSourceOptions, KubePodSourceStats, WatchEventType } from './pods.js';
