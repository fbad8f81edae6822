// Each call of shared/gitlab/api/ is one route over request(): these check the method, the path (encoded), the body and the
// answer's schema, through a requester that records what it is asked and answers from a list.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  awardEmojiOnNote,
  deleteAwardEmoji,
  listNoteAwardEmoji,
} from "../../../shared/gitlab/api/award-emoji.ts";
import { replyToDiscussion } from "../../../shared/gitlab/api/discussions.ts";
import { getMemberAccessLevel } from "../../../shared/gitlab/api/members.ts";
import { createNote, listNotes, updateNote } from "../../../shared/gitlab/api/notes.ts";
import { createPipeline, createPipelineWithTrigger } from "../../../shared/gitlab/api/pipelines.ts";
import { getCurrentUser } from "../../../shared/gitlab/api/users.ts";
import type { GitLabRequester, RequestOptions } from "../../../shared/gitlab/client.ts";
import { GitLabApiError } from "../../../shared/gitlab/gitlab-api-error.ts";

interface Asked {
  method: string;
  path: string;
  options: RequestOptions<unknown>;
}

function recorder(answers: unknown[]): { gl: GitLabRequester; asked: Asked[] } {
  const asked: Asked[] = [];
  const gl: GitLabRequester = {
    request: async <T>(method: string, path: string, options: RequestOptions<T> = {}) => {
      asked.push({ method, path, options: options as RequestOptions<unknown> });
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return (options.schema ? (options.schema as z.ZodType<T>).parse(answer) : answer) as T;
    },
  };
  return { gl, asked };
}

const note = { id: 99, body: "b", author: { id: 3, username: "bridge" }, created_at: "2024-01-01T00:00:00Z" };
const award = {
  id: 5,
  name: "eyes",
  user: { id: 3, username: "bridge" },
  created_at: "2024-01-01T00:00:00Z",
};
const pipeline = { id: 44, status: "created", ref: "main", web_url: "http://x/-/pipelines/44" };
const issueNote = {
  projectId: "group/sub/app",
  noteableType: "Issue",
  noteableIid: 17,
  noteId: 1241,
} as const;
const mrNote = { projectId: 5, noteableType: "MergeRequest", noteableIid: 1, noteId: 1244 } as const;

describe("shared/gitlab/api", () => {
  it("getCurrentUser: GET /user", async () => {
    const { gl, asked } = recorder([{ id: 3, username: "bridge" }]);
    await expect(getCurrentUser(gl)).resolves.toMatchObject({ id: 3 });
    expect(asked[0]).toMatchObject({ method: "GET", path: "/user" });
  });

  it("getMemberAccessLevel: the effective level, or null for a non-member (404)", async () => {
    const { gl, asked } = recorder([
      { id: 9, username: "dev", access_level: 30 },
      new GitLabApiError({
        status: 404,
        method: "GET",
        path: "/",
        message: "404 Not found",
        kind: "http",
        attempts: 1,
      }),
      { id: 9, username: "dev", access_level: 30, membership_state: "awaiting" },
    ]);
    await expect(getMemberAccessLevel(gl, "group/app", 9)).resolves.toBe(30);
    await expect(getMemberAccessLevel(gl, 5, 9)).resolves.toBeNull();
    await expect(getMemberAccessLevel(gl, 5, 9)).resolves.toBeNull();
    expect(asked[0]).toMatchObject({ method: "GET", path: "/projects/group%2Fapp/members/all/9" });
  });

  it("getMemberAccessLevel passes other errors on", async () => {
    const boom = new GitLabApiError({
      status: 503,
      method: "GET",
      path: "/",
      message: "down",
      kind: "http",
      attempts: 4,
    });
    const { gl } = recorder([boom]);
    await expect(getMemberAccessLevel(gl, 5, 9)).rejects.toBe(boom);
  });

  it("award emoji: award, list, delete on a note", async () => {
    const { gl, asked } = recorder([award, [award], undefined]);
    await awardEmojiOnNote(gl, { ...issueNote, name: "eyes" });
    await listNoteAwardEmoji(gl, mrNote);
    await deleteAwardEmoji(gl, { ...mrNote, awardId: 5 });
    expect(asked.map((a) => `${a.method} ${a.path}`)).toEqual([
      "POST /projects/group%2Fsub%2Fapp/issues/17/notes/1241/award_emoji",
      "GET /projects/5/merge_requests/1/notes/1244/award_emoji",
      "DELETE /projects/5/merge_requests/1/notes/1244/award_emoji/5",
    ]);
    expect(asked[0]?.options.json).toEqual({ name: "eyes" });
  });

  it("notes: create (internal only when asked), reply in a thread, update, list", async () => {
    const { gl, asked } = recorder([note, note, note, note, [note]]);
    await createNote(gl, { projectId: 5, noteableType: "Issue", noteableIid: 17, body: "hello" });
    await createNote(gl, {
      projectId: 5,
      noteableType: "MergeRequest",
      noteableIid: 1,
      body: "psst",
      internal: true,
    });
    await replyToDiscussion(gl, { ...mrNote, discussionId: "abc123", body: "reply" });
    await updateNote(gl, { ...mrNote, noteId: 99, body: "done" });
    await listNotes(gl, { ...mrNote, sort: "desc", orderBy: "created_at" }, { page: 2, perPage: 100 });
    expect(asked.map((a) => `${a.method} ${a.path}`)).toEqual([
      "POST /projects/5/issues/17/notes",
      "POST /projects/5/merge_requests/1/notes",
      "POST /projects/5/merge_requests/1/discussions/abc123/notes",
      "PUT /projects/5/merge_requests/1/notes/99",
      "GET /projects/5/merge_requests/1/notes",
    ]);
    expect(asked[0]?.options.json).toEqual({ body: "hello" });
    expect(asked[1]?.options.json).toEqual({ body: "psst", internal: true });
    expect(asked[2]?.options.json).toEqual({ body: "reply" });
    expect(asked[4]?.options.query).toEqual({ sort: "desc", order_by: "created_at", page: 2, per_page: 100 });
  });

  it("createPipelineWithTrigger: form-encoded token, ref, variables[KEY] and inputs[name]", async () => {
    const { gl, asked } = recorder([pipeline, pipeline]);
    await createPipelineWithTrigger(gl, {
      projectId: 5,
      token: "glptt-x",
      ref: "main",
      variables: { A: "1", B: "two" },
    });
    await createPipelineWithTrigger(gl, {
      projectId: "g/p",
      token: "glptt-x",
      ref: "main",
      inputs: { agent_bridge_event: "{}", n: 3 },
    });
    expect(asked[0]).toMatchObject({
      method: "POST",
      path: "/projects/5/trigger/pipeline",
      options: { form: { token: "glptt-x", ref: "main", "variables[A]": "1", "variables[B]": "two" } },
    });
    expect(asked[1]).toMatchObject({
      path: "/projects/g%2Fp/trigger/pipeline",
      options: {
        form: { token: "glptt-x", ref: "main", "inputs[agent_bridge_event]": "{}", "inputs[n]": "3" },
      },
    });
  });

  it("createPipeline: JSON with variables as key/value pairs and inputs", async () => {
    const { gl, asked } = recorder([pipeline, pipeline]);
    const created = await createPipeline(gl, {
      projectId: 5,
      ref: "main",
      variables: [{ key: "A", value: "1" }],
    });
    await createPipeline(gl, { projectId: 5, ref: "main", inputs: { agent_bridge_event: "{}" } });
    expect(created.id).toBe(44);
    expect(asked[0]).toMatchObject({
      method: "POST",
      path: "/projects/5/pipeline",
      options: { json: { ref: "main", variables: [{ key: "A", value: "1" }] } },
    });
    expect(asked[1]?.options.json).toEqual({ ref: "main", inputs: { agent_bridge_event: "{}" } });
  });
});
