// Images attached to notes (GitLab writes them as `![name](/uploads/<secret>/<file>)`), downloaded with the
// bot token so that the agent can look at a screenshot. Only real images (PNG, JPEG, GIF, WebP: checked by
// their first bytes, not by name or header), each and all together within a size cap, written under the
// job's image directory with names the job chooses.
// https://docs.gitlab.com/api/project_markdown_uploads/
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { projectPath, segment } from "../../shared/gitlab/paths.ts";
import { rawGet, type RawAccess } from "./raw-download.ts";
import { sanitizeLine } from "./sanitize.ts";

export interface UploadReference {
  secret: string;
  /** As written in the note (URL-encoded). */
  filename: string;
}

export interface ImageLimits {
  maxImages: number;
  maxImageBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxImages: 8,
  maxImageBytes: 5 * 1024 * 1024,
  maxTotalBytes: 20 * 1024 * 1024,
};

// The file name: one path segment, not "." or "..".
const IMAGE_REFERENCE =
  /!\[[^[\]\n]*\]\(\s*<?\/uploads\/([0-9a-fA-F]{16,64})\/([^)\s"'<>/?#]+)>?(?:\s+"[^"\n]*")?\s*\)/g;

/** The upload images referenced in `markdown`, each once, in order of appearance. */
export function findUploadImages(markdown: string): UploadReference[] {
  const seen = new Set<string>();
  const found: UploadReference[] = [];
  for (const match of markdown.matchAll(IMAGE_REFERENCE)) {
    const secret = (match[1] ?? "").toLowerCase();
    const filename = match[2] ?? "";
    const key = `${secret}/${filename}`;
    if (secret === "" || /^\.*$/.test(filename) || seen.has(key)) continue;
    seen.add(key);
    found.push({ secret, filename });
  }
  return found;
}

type ImageType = "png" | "jpeg" | "gif" | "webp";

/** The image type from the file's first bytes; null for anything else (SVG included: it is a document). */
export function sniffImage(bytes: Uint8Array): ImageType | null {
  const at = (i: number) => bytes[i] ?? -1;
  if (at(0) === 0x89 && at(1) === 0x50 && at(2) === 0x4e && at(3) === 0x47) return "png";
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return "jpeg";
  if (at(0) === 0x47 && at(1) === 0x49 && at(2) === 0x46 && at(3) === 0x38) return "gif";
  const riff = at(0) === 0x52 && at(1) === 0x49 && at(2) === 0x46 && at(3) === 0x46;
  if (riff && at(8) === 0x57 && at(9) === 0x45 && at(10) === 0x42 && at(11) === 0x50) return "webp";
  return null;
}

export interface DownloadedImages {
  paths: string[];
  /** One line per image that was not downloaded, and why. */
  problems: string[];
}

export interface DownloadImagesOptions {
  raw: RawAccess;
  projectId: number;
  projectPath: string;
  dir: string;
  limits: ImageLimits;
  onRequest: () => void;
  signal?: AbortSignal;
}

/** Downloads the referenced images (at most maxImages) in parallel; what fails is said, not thrown. */
export async function downloadImages(
  references: readonly UploadReference[],
  options: DownloadImagesOptions,
): Promise<DownloadedImages> {
  const chosen = references.slice(0, options.limits.maxImages);
  const problems: string[] = [];
  if (references.length > chosen.length) {
    problems.push(
      `${references.length - chosen.length} more images were not downloaded (at most ${chosen.length}).`,
    );
  }
  if (chosen.length === 0) return { paths: [], problems };
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });
  let totalBytes = 0;
  const results = await Promise.all(
    chosen.map(async (ref, index): Promise<string | null> => {
      const label = `image ${safeName(ref.filename)}`;
      try {
        const found = await fetchUpload(ref, options);
        if (typeof found === "string") {
          problems.push(`${label} not downloaded: ${found}.`);
          return null;
        }
        const { bytes, type } = found;
        if (totalBytes + bytes.length > options.limits.maxTotalBytes) {
          problems.push(`${label} not downloaded: the images together would pass the size cap.`);
          return null;
        }
        totalBytes += bytes.length;
        const path = join(dir, `${index + 1}-${withExtension(safeName(ref.filename), type)}`);
        await writeFile(path, bytes);
        return path;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        problems.push(`${label} not downloaded: ${sanitizeLine(message, 200)}.`);
        return null;
      }
    }),
  );
  return { paths: results.filter((path): path is string => path !== null), problems };
}

/**
 * The upload's bytes and image type, or why not. The project's web path first (it takes the token on GitLab
 * and needs no more than read access), then the uploads API (GitLab 17.4+, Maintainer). An answer that is
 * not an image (a sign-in page, say) counts as a miss.
 */
async function fetchUpload(
  ref: UploadReference,
  options: DownloadImagesOptions,
): Promise<{ bytes: Uint8Array; type: ImageType } | string> {
  const file = `${segment(ref.secret)}/${ref.filename}`;
  const paths = [
    `/${options.projectPath.split("/").map(segment).join("/")}/uploads/${file}`,
    `/api/v4${projectPath(options.projectId)}/uploads/${file}`,
  ];
  let why = "not found";
  for (const path of paths) {
    const answer = await rawGet(options.raw, path, {
      maxBytes: options.limits.maxImageBytes,
      onRequest: options.onRequest,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (answer.overflow) return `larger than ${Math.round(options.limits.maxImageBytes / 1024 / 1024)} MB`;
    if (answer.body === null) {
      // A body that was not an image says more than a refusal from the other path.
      if (why === "not found") why = `GitLab answered ${answer.status}`;
      if (answer.status >= 500) break;
      continue;
    }
    const type = sniffImage(answer.body);
    if (type !== null) return { bytes: answer.body, type };
    why = "not a PNG, JPEG, GIF or WebP image";
  }
  return why;
}

/** A file name the job chooses from the note's: letters, digits, dot, dash, underscore; no leading dot. */
export function safeName(filename: string): string {
  let decoded = filename;
  try {
    decoded = decodeURIComponent(filename);
  } catch {
    // Keep it as written.
  }
  const base = decoded.split(/[\\/]/).pop() ?? "";
  const clean = base
    .replace(/[^\w.-]/g, "_")
    .replace(/^\.+/, "_")
    .slice(-80);
  return clean === "" ? "image" : clean;
}

function withExtension(name: string, type: ImageType): string {
  const extensions: Record<ImageType, string[]> = {
    png: ["png"],
    jpeg: ["jpg", "jpeg"],
    gif: ["gif"],
    webp: ["webp"],
  };
  const current = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return current !== undefined && extensions[type].includes(current)
    ? name
    : `${name}.${extensions[type][0]}`;
}
