// The container-runtime sources of the enrichment stage: CRI (containerd, CRI-O) and containerd's own API, both
// RuntimeSource (../types.ts); plus the image reference split and the runtime error class.
export { CriRuntime, DEFAULT_CRI_ADDRESS, containerTypeOf, diffStates, type CriRuntimeOptions } from './cri.js';
export { ContainerdRuntime, OCI_SPEC_TYPE_URL, type ContainerdRuntimeOptions } from './containerd.js';
export { parseImageRef, isImageId, digestOf, type ImageRefParts } from './image-ref.js';
export { mountsFromSpec, privilegedFromSpec, parseSpec, type OciSpec } from './oci-spec.js';
export { RuntimeError, type RuntimeErrorCode } from './rpc.js';
