/**
 * A response body read as JSON, or undefined when it is not JSON: what an endpoint answered is data
 * to judge (an HTML error page, a truncated list), not an error for the engine to classify. Nothing
 * else is caught here: no cluster call happens inside.
 */
export function parseJson(body: string): unknown {
  // eslint-disable-next-line no-restricted-syntax -- a malformed body is an answer, not an exception
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
