// The few GitLab calls the bridge makes, each one line over GitLabClient.request with the schema of its
// answer. Endpoints: https://docs.gitlab.com/api/notes/, /api/emoji_reactions/, /api/members/,
// /api/pipelines/#create-a-new-pipeline, /api/pipeline_triggers/#trigger-a-pipeline-with-a-token
import { z } from "zod";
import {
  AwardEmojiSchema,
  MemberSchema,
  NoteSchema,
  PipelineSchema,
  UserSchema,
  type AwardEmoji,
  type Note,
  type Pipeline,
  type User,
} from "./api-schema.ts";
import type { GitLabClient } from "./client.ts";
import { isGitLabApiError } from "./gitlab-api-error.ts";
import { noteablePath, projectPath, segment, type ThreadNoteableType } from "./paths.ts";

/** Anything with the client's request method (a client, a deadline view of it, a counting wrapper). */
export type GitLabRequester = Pick<GitLabClient, "request">;

export interface NoteableRef {
  projectId: number | string;
  noteableType: ThreadNoteableType;
  noteableIid: number;
}

export interface NoteRef extends NoteableRef {
  noteId: number;
}

export type PipelineInputValue = string | number | boolean;

export function getCurrentUser(gl: GitLabRequester): Promise<User> {
  return gl.request("GET", "/user", { schema: UserSchema });
}

/** GET /users/:id: a user's username and whether it is a bot (access token user, service account). */
export function getUser(gl: GitLabRequester, userId: number): Promise<User> {
  return gl.request("GET", `/users/${segment(userId)}`, { schema: UserSchema });
}

/**
 * The user's effective access level in the project, inherited group membership included; null when the
 * user is not a member (GitLab answers 404) or the membership grants nothing yet (awaiting approval,
 * blocked account).
 */
export async function getMemberAccessLevel(
  gl: GitLabRequester,
  projectId: number | string,
  userId: number,
): Promise<number | null> {
  try {
    const member = await gl.request("GET", `${projectPath(projectId)}/members/all/${segment(userId)}`, {
      schema: MemberSchema,
    });
    if (member.membership_state === "awaiting" || member.state === "blocked") return null;
    return member.access_level;
  } catch (error) {
    if (isGitLabApiError(error) && error.status === 404) return null;
    throw error;
  }
}

/** Awards an emoji as the token's user. A second award of the same name answers 404 "has already been taken". */
export function awardEmojiOnNote(gl: GitLabRequester, ref: NoteRef & { name: string }): Promise<AwardEmoji> {
  return gl.request("POST", `${notePath(ref)}/award_emoji`, {
    json: { name: ref.name },
    schema: AwardEmojiSchema,
  });
}

export function listNoteAwardEmoji(gl: GitLabRequester, ref: NoteRef): Promise<AwardEmoji[]> {
  return gl.request("GET", `${notePath(ref)}/award_emoji`, {
    query: { per_page: 100 },
    schema: z.array(AwardEmojiSchema),
  });
}

export async function deleteAwardEmoji(
  gl: GitLabRequester,
  ref: NoteRef & { awardId: number },
): Promise<void> {
  await gl.request("DELETE", `${notePath(ref)}/award_emoji/${segment(ref.awardId)}`);
}

/** A new top-level note on an issue or merge request; `internal` makes it visible to members only. */
export function createNote(
  gl: GitLabRequester,
  ref: NoteableRef & { body: string; internal?: boolean },
): Promise<Note> {
  const json = ref.internal ? { body: ref.body, internal: true } : { body: ref.body };
  return gl.request("POST", `${noteablePath(ref.projectId, ref.noteableType, ref.noteableIid)}/notes`, {
    json,
    schema: NoteSchema,
  });
}

/** A reply in a thread. A reply in an internal thread is internal too: GitLab takes it from the thread. */
export function replyToDiscussion(
  gl: GitLabRequester,
  ref: NoteableRef & { discussionId: string; body: string },
): Promise<Note> {
  const path = `${noteablePath(ref.projectId, ref.noteableType, ref.noteableIid)}/discussions/${segment(ref.discussionId)}/notes`;
  return gl.request("POST", path, { json: { body: ref.body }, schema: NoteSchema });
}

export function updateNote(gl: GitLabRequester, ref: NoteRef & { body: string }): Promise<Note> {
  return gl.request("PUT", notePath(ref), { json: { body: ref.body }, schema: NoteSchema });
}

export interface ListNotesOptions {
  sort?: "asc" | "desc";
  orderBy?: "created_at" | "updated_at";
  page?: number;
  perPage?: number;
}

/** One page of an issue's or merge request's notes, thread replies included. */
export function listNotes(gl: GitLabRequester, ref: NoteableRef & ListNotesOptions): Promise<Note[]> {
  return gl.request("GET", `${noteablePath(ref.projectId, ref.noteableType, ref.noteableIid)}/notes`, {
    query: { sort: ref.sort, order_by: ref.orderBy, page: ref.page, per_page: ref.perPage },
    schema: z.array(NoteSchema),
  });
}

/**
 * POST /projects/:id/trigger/pipeline, form-encoded: `variables[KEY]=value`, `inputs[name]=value`. The
 * pipeline runs as the trigger token's owner; the token travels in the body, never in the URL.
 */
export function createPipelineWithTrigger(
  gl: GitLabRequester,
  args: {
    projectId: number | string;
    token: string;
    ref: string;
    variables?: Readonly<Record<string, string>>;
    inputs?: Readonly<Record<string, PipelineInputValue>>;
  },
): Promise<Pipeline> {
  const form: Record<string, string> = { token: args.token, ref: args.ref };
  for (const [key, value] of Object.entries(args.variables ?? {})) form[`variables[${key}]`] = value;
  for (const [name, value] of Object.entries(args.inputs ?? {})) form[`inputs[${name}]`] = String(value);
  return gl.request("POST", `${projectPath(args.projectId)}/trigger/pipeline`, {
    form,
    schema: PipelineSchema,
  });
}

/** POST /projects/:id/pipeline as the client's user, with variables and/or typed inputs. */
export function createPipeline(
  gl: GitLabRequester,
  args: {
    projectId: number | string;
    ref: string;
    variables?: ReadonlyArray<{ key: string; value: string }>;
    inputs?: Readonly<Record<string, PipelineInputValue>>;
  },
): Promise<Pipeline> {
  const json: Record<string, unknown> = { ref: args.ref };
  if (args.variables && args.variables.length > 0) json["variables"] = args.variables;
  if (args.inputs && Object.keys(args.inputs).length > 0) json["inputs"] = args.inputs;
  return gl.request("POST", `${projectPath(args.projectId)}/pipeline`, { json, schema: PipelineSchema });
}

function notePath(ref: NoteRef): string {
  return `${noteablePath(ref.projectId, ref.noteableType, ref.noteableIid)}/notes/${segment(ref.noteId)}`;
}
