import { ConnectError } from '../cluster/connect.js';
import { ClusterUnreachable, MissingRbac } from '../cluster/view.js';
import { ImageError } from '../checks/images.js';
import { ProfileError } from '../checks/profiles/accelerators.js';
import { RunConfigError } from './suite.js';

/** Errors that are the user's input or environment (one line, exit 2), not bugs. */
export function isInputError(e: unknown): e is Error {
  return e instanceof ConnectError || e instanceof ClusterUnreachable || e instanceof MissingRbac || e instanceof RunConfigError || e instanceof ImageError || e instanceof ProfileError;
}
