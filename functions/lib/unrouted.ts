import { HttpError } from './http.ts';

/**
 * The answer to a request no declared route takes, in the one error shape: 405 with `Allow` when
 * the path is served with other methods, else 404. On AWS the HTTP API's `$default` route brings
 * such requests to api-system; locally the gateway does the same (infra/local/gateway.ts).
 */
export function unroutedError(
  method: string,
  path: string,
  routes: readonly { method: string; path: string }[],
): HttpError {
  const segments = path.split('/');
  const allowed = routes
    .filter((r) => {
      const template = r.path.split('/');
      return (
        template.length === segments.length &&
        template.every((t, i) => (/^\{\w+\}$/.test(t) ? segments[i] !== '' : t === segments[i]))
      );
    })
    .map((r) => r.method);
  if (allowed.length === 0) {
    return new HttpError(404, 'NotFound', `no route for ${method} ${path.slice(0, 200)}`);
  }
  const allow = [...new Set(allowed)].sort().join(', ');
  return new HttpError(405, 'MethodNotAllowed', `${method} is not allowed here; use ${allow}`, undefined, {
    allow,
  });
}
