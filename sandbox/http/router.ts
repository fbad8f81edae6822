// A small method + path-pattern router. Patterns use `:name` segments; each raw segment is matched before
// decoding, so a project id given as a URL-encoded path (`group%2Fproject`) stays one segment.
export type RouteParams = Record<string, string>;

interface Route<H> {
  method: string;
  segments: string[];
  handler: H;
}

export class Router<H> {
  private readonly routes: Route<H>[] = [];

  add(method: string, pattern: string, handler: H): void {
    this.routes.push({ method, segments: pattern.split("/").filter(Boolean), handler });
  }

  /** The handler for a method and raw pathname, or whether the path exists under another method (405). */
  match(method: string, pathname: string): { handler: H; params: RouteParams } | { pathExists: boolean } {
    const parts = pathname.split("/").filter(Boolean);
    let pathExists = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method || (method === "HEAD" && route.method === "GET")) {
        return { handler: route.handler, params };
      }
      pathExists = true;
    }
    return { pathExists };
  }
}

function matchSegments(pattern: string[], parts: string[]): RouteParams | null {
  // A last segment `*name` takes the rest of the path, slashes included (GitLab's `*artifact_path`).
  const rest = pattern.at(-1)?.startsWith("*") === true;
  if (rest ? parts.length < pattern.length : pattern.length !== parts.length) return null;
  const params: RouteParams = {};
  if (rest) {
    try {
      params[(pattern.at(-1) as string).slice(1)] = parts
        .slice(pattern.length - 1)
        .map(decodeURIComponent)
        .join("/");
    } catch {
      return null;
    }
  }
  for (let i = 0; i < pattern.length - (rest ? 1 : 0); i++) {
    const p = pattern[i] as string;
    const part = parts[i] as string;
    if (p.startsWith(":")) {
      try {
        params[p.slice(1)] = decodeURIComponent(part);
      } catch {
        return null;
      }
    } else if (p !== part) {
      return null;
    }
  }
  return params;
}
