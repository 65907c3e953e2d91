// Splits an image reference `[host[:port]/]path[:tag][@digest]` into container.image.repository / .tag / .digest
// exactly as Falco does (libsinsp sinsp_utils::split_container_image with split_repo=false): no normalisation.
// `nginx` stays `nginx`; containerd's CRI reports references already normalised (`docker.io/library/nginx:1.27`).

export interface ImageRefParts {
  /** Everything before the tag and digest, host and port included: `localhost:5000/team/app`. */
  repository: string;
  /** '' when the reference has none. */
  tag: string;
  /** `sha256:…` after '@' ('' when the reference has none). */
  digest: string;
}

/**
 * The host part is what precedes the first '/' (its `:port` is never read as a tag); in the rest, '@' starts the
 * digest and the first ':' before it starts the tag.
 */
export function parseImageRef(ref: string): ImageRefParts {
  const slash = ref.indexOf('/');
  const host = slash >= 0 ? ref.slice(0, slash + 1) : '';
  const rest = slash >= 0 ? ref.slice(slash + 1) : ref;
  const at = rest.indexOf('@');
  const nameTag = at >= 0 ? rest.slice(0, at) : rest;
  const digest = at >= 0 ? rest.slice(at + 1) : '';
  const colon = nameTag.indexOf(':');
  const name = colon >= 0 ? nameTag.slice(0, colon) : nameTag;
  const tag = colon >= 0 ? nameTag.slice(colon + 1) : '';
  return { repository: host + name, tag, digest };
}

/** A bare image id (`sha256:<64 hex>`): runtimes report one in place of a name when a container was made from an id. */
export function isImageId(ref: string): boolean {
  return /^(sha256:)?[0-9a-f]{64}$/.test(ref);
}

/** The `sha256:…` digest of a digested reference (`repo@sha256:…`), or '' when it has none. */
export function digestOf(ref: string): string {
  const at = ref.lastIndexOf('@');
  return at >= 0 && ref.startsWith('sha256:', at + 1) ? ref.slice(at + 1) : '';
}
