// Project uploads (the files attached to comments): POST /projects/:id/uploads answers GitLab's
// { id, alt, url, full_path, markdown }, and the file is served back where GitLab serves it: the web paths
// /-/project/:id/uploads/:secret/:filename and /<namespace>/<project>/uploads/:secret/:filename (token needed
// unless the project is public; 404 otherwise), and the API (Maintainer, GitLab 17.4+).
// https://docs.gitlab.com/api/project_markdown_uploads/
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { send } from "../http/api-dispatch.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { authenticate, presentedToken } from "../http/auth.ts";
import { json, type Reply, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import type { SandboxServices } from "../services.ts";
import { ACCESS, type Project, type Upload } from "../state/model.ts";
import { now } from "../state/store.ts";

const EMBEDDED = /\.(png|jpe?g|gif|bmp|tiff?|ico|webp|svg|mp4|m4v|mov|webm|ogv|mp3|oga|ogg|spx|wav)$/i;
const SECRET = /^[0-9a-f]{32}$/;

/** GitLab's sanitised file name: anything but letters, digits, '.', '-' and '_' becomes '_'. */
function sanitizeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const clean = base.replace(/[^\w.-]/g, "_").replace(/^\.+/, "_");
  return clean === "" ? "file" : clean;
}

function uploadUrl(u: Upload): string {
  return `/uploads/${u.secret}/${u.filename}`;
}

function markdownFor(u: Upload): string {
  const alt = u.filename.replace(/\.[^.]*$/, "");
  return EMBEDDED.test(u.filename) ? `![${alt}](${uploadUrl(u)})` : `[${u.filename}](${uploadUrl(u)})`;
}

function fileReply(u: Upload): Reply {
  const inline = EMBEDDED.test(u.filename) && !/\.svg$/i.test(u.filename);
  return {
    status: 200,
    headers: {
      "content-disposition": `${inline ? "inline" : "attachment"}; filename="${u.filename}"`,
      "x-content-type-options": "nosniff",
      "cache-control": "private",
    },
    raw: { data: u.data, contentType: u.contentType || "application/octet-stream" },
  };
}

function findBySecret(
  sb: SandboxServices,
  project: Project,
  secret: string,
  filename: string,
): Upload | undefined {
  if (!SECRET.test(secret)) return undefined;
  for (const u of sb.state.uploads.values()) {
    if (u.project_id === project.id && u.secret === secret && u.filename === filename) return u;
  }
  return undefined;
}

function findById(ctx: RequestContext, project: Project): Upload {
  const raw = ctx.params["upload_id"] ?? "";
  if (!/^\d+$/.test(raw)) throw new ApiError(400, { error: "upload_id is invalid" });
  const u = ctx.sb.state.uploads.get(Number(raw));
  if (!u || u.project_id !== project.id) throw notFound("Upload");
  return u;
}

export function registerUploads(r: RouteRegistrar): void {
  r.post("/projects/:id/uploads", (ctx) => {
    const project = ctx.project(ACCESS.none);
    ctx.requireUser();
    const file = ctx.files.find((f) => f.field === "file");
    if (!file) throw new ApiError(400, { error: "file is missing" });
    const upload: Upload = {
      id: ctx.sb.state.nextId("upload"),
      project_id: project.id,
      secret: randomBytes(16).toString("hex"),
      filename: sanitizeFilename(file.filename),
      contentType: file.contentType,
      data: file.data,
      created_at: now(),
    };
    ctx.sb.state.uploads.set(upload.id, upload);
    return json(
      {
        id: upload.id,
        alt: upload.filename.replace(/\.[^.]*$/, ""),
        url: uploadUrl(upload),
        full_path: `/-/project/${project.id}/uploads/${upload.secret}/${upload.filename}`,
        markdown: markdownFor(upload),
      },
      201,
    );
  });

  r.get("/projects/:id/uploads", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const list = [...ctx.sb.state.uploads.values()]
      .filter((u) => u.project_id === project.id)
      .map((u) => ({
        id: u.id,
        size: u.data.length,
        filename: u.filename,
        created_at: u.created_at,
        uploaded_by: null,
      }));
    const page = paginate(list, ctx.query, ctx.url);
    return json(page.items, 200, page.headers);
  });

  r.get("/projects/:id/uploads/:upload_id", (ctx) =>
    fileReply(findById(ctx, ctx.project(ACCESS.maintainer))),
  );

  r.get("/projects/:id/uploads/:secret/:filename", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const u = findBySecret(ctx.sb, project, ctx.params["secret"] ?? "", ctx.params["filename"] ?? "");
    if (!u) throw notFound("Upload");
    return fileReply(u);
  });

  r.delete("/projects/:id/uploads/:upload_id", (ctx) => {
    const u = findById(ctx, ctx.project(ACCESS.maintainer));
    ctx.sb.state.uploads.delete(u.id);
    return { status: 204 };
  });

  r.delete("/projects/:id/uploads/:secret/:filename", (ctx) => {
    const project = ctx.project(ACCESS.maintainer);
    const u = findBySecret(ctx.sb, project, ctx.params["secret"] ?? "", ctx.params["filename"] ?? "");
    if (!u) throw notFound("Upload");
    ctx.sb.state.uploads.delete(u.id);
    return { status: 204 };
  });
}

const BY_ID = /^\/-\/project\/(\d+)\/uploads\/([^/]+)\/([^/]+)$/;
const BY_PATH = /^\/(.+?)\/uploads\/([^/]+)\/([^/]+)$/;

/**
 * The web paths of uploads, outside /api/v4. Answers and returns true when the path is an upload path (found
 * or not); false leaves the request to the next handler.
 */
export async function serveUpload(
  sb: SandboxServices,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const method = (req.method ?? "GET").toUpperCase();
  if (method !== "GET" && method !== "HEAD") return false;
  const match = BY_ID.exec(url.pathname) ?? BY_PATH.exec(url.pathname);
  if (!match) return false;
  req.resume();
  const notFoundReply: Reply = { status: 404, body: { message: "404 Not Found" } };
  let parts: string[];
  try {
    parts = [match[1], match[2], match[3]].map((p) => decodeURIComponent(p ?? ""));
  } catch {
    send(res, notFoundReply, method === "HEAD");
    return true;
  }
  const [ref = "", secret = "", filename = ""] = parts;
  const project = sb.state.findProject(ref);
  let visible = false;
  if (project) {
    if (project.visibility === "public") visible = true;
    else {
      try {
        const caller = authenticate(sb.state, presentedToken(req, url.searchParams));
        visible = caller !== null && sb.state.canSee(project, caller.user);
        if (caller?.token.jobId !== undefined)
          visible &&= sb.state.jobs.get(caller.token.jobId)?.project_id === project.id;
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
      }
    }
  }
  const upload = project && visible ? findBySecret(sb, project, secret, filename) : undefined;
  send(res, upload ? fileReply(upload) : notFoundReply, method === "HEAD");
  return true;
}
