// Project uploads: multipart POST through @gitbeaker/rest and fetch, GitLab's answer shape, and the file served
// back on the web paths (token required for a private project) and the API (Maintainer).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitlab, startWorld, type World } from "./api-fixtures.ts";

let w: World;

beforeAll(async () => {
  w = await startWorld("uploads");
});

afterAll(async () => {
  await w.sandbox.close();
});

interface UploadJson {
  id: number;
  alt: string;
  url: string;
  full_path: string;
  markdown: string;
}

async function upload(
  token: string,
  filename: string,
  data: Uint8Array | string,
  type: string,
): Promise<Response> {
  const form = new FormData();
  form.append("file", new Blob([typeof data === "string" ? data : new Uint8Array(data)], { type }), filename);
  return fetch(`${w.sandbox.url}/api/v4/projects/${w.project.id}/uploads`, {
    method: "POST",
    headers: { "PRIVATE-TOKEN": token },
    body: form,
  });
}

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);

describe("uploads", () => {
  it("answers GitLab's fields and serves the bytes back on every path", async () => {
    const res = await upload(w.dev.token, "screen shot.png", png, "image/png");
    expect(res.status).toBe(201);
    const body = (await res.json()) as UploadJson;
    expect(body.alt).toBe("screen_shot");
    expect(body.url).toMatch(/^\/uploads\/[0-9a-f]{32}\/screen_shot\.png$/);
    expect(body.full_path).toBe(`/-/project/${w.project.id}${body.url}`);
    expect(body.markdown).toBe(`![screen_shot](${body.url})`);
    const withToken = { "PRIVATE-TOKEN": w.reporter.token };
    const byId = await fetch(`${w.sandbox.url}${body.full_path}`, { headers: withToken });
    expect(byId.status).toBe(200);
    expect(byId.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await byId.arrayBuffer())).toEqual(png);
    const byPath = await fetch(`${w.sandbox.url}/${w.project.path_with_namespace}${body.url}`, {
      headers: { authorization: `Bearer ${w.guest.token}` },
    });
    expect(byPath.status).toBe(200);
    expect(new Uint8Array(await byPath.arrayBuffer())).toEqual(png);
    const [, , secret, filename] = body.url.split("/");
    const api = await w.maintainer.client.call(
      "GET",
      `/projects/${w.project.id}/uploads/${secret}/${filename}`,
    );
    expect(api.status).toBe(200);
  });

  it("links other files without the image bang, and works through gitbeaker", async () => {
    const text = (await (await upload(w.dev.token, "log.txt", "hello\n", "text/plain")).json()) as UploadJson;
    expect(text.markdown).toBe(`[log.txt](${text.url})`);
    const viaGitbeaker = await gitlab(w, w.dev).ProjectMarkdownUploads.create(w.project.id, {
      content: new Blob(["data"], { type: "application/octet-stream" }),
      filename: "data.bin",
    });
    expect(viaGitbeaker.url).toMatch(/^\/uploads\/[0-9a-f]{32}\/data\.bin$/);
    const served = await fetch(`${w.sandbox.url}${viaGitbeaker.full_path}`, {
      headers: { "PRIVATE-TOKEN": w.dev.token },
    });
    expect(await served.text()).toBe("data");
    const list = await gitlab(w, w.maintainer).ProjectMarkdownUploads.all(w.project.id);
    expect(list.map((u) => u.filename)).toContain("data.bin");
  });

  it("hides private uploads from anonymous callers and outsiders, and 404s unknown files", async () => {
    const body = (await (
      await upload(w.dev.token, "secret.txt", "s3cr3t", "text/plain")
    ).json()) as UploadJson;
    const url = `${w.sandbox.url}${body.full_path}`;
    expect((await fetch(url)).status).toBe(404);
    expect((await fetch(url, { headers: { "PRIVATE-TOKEN": w.outsider.token } })).status).toBe(404);
    expect((await fetch(url, { headers: { "PRIVATE-TOKEN": "glpat-wrong" } })).status).toBe(404);
    const wrongSecret = body.full_path.replace(/[0-9a-f]{32}/, "0".repeat(32));
    expect(
      (await fetch(`${w.sandbox.url}${wrongSecret}`, { headers: { "PRIVATE-TOKEN": w.dev.token } })).status,
    ).toBe(404);
    // The API routes are for Maintainers, as on GitLab.
    const [, , secret, filename] = body.url.split("/");
    expect(
      (await w.dev.client.call("GET", `/projects/${w.project.id}/uploads/${secret}/${filename}`)).status,
    ).toBe(403);
  });

  it("refuses a request without a file", async () => {
    const form = new FormData();
    form.append("other", "x");
    const res = await fetch(`${w.sandbox.url}/api/v4/projects/${w.project.id}/uploads`, {
      method: "POST",
      headers: { "PRIVATE-TOKEN": w.dev.token },
      body: form,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "file is missing" });
  });

  it("deletes an upload (Maintainer)", async () => {
    const body = (await (await upload(w.dev.token, "gone.txt", "bye", "text/plain")).json()) as UploadJson;
    expect(
      (await w.maintainer.client.call("DELETE", `/projects/${w.project.id}/uploads/${body.id}`)).status,
    ).toBe(204);
    const res = await fetch(`${w.sandbox.url}${body.full_path}`, {
      headers: { "PRIVATE-TOKEN": w.dev.token },
    });
    expect(res.status).toBe(404);
  });
});
