// The sandbox's whole state in memory, with the lookups and access rules every API module shares.
import { randomBytes } from "node:crypto";
import { forbidden, notFound } from "../http/api-error.ts";
import type {
  AccessToken,
  AwardEmoji,
  Group,
  HookDelivery,
  Issue,
  Job,
  MergeRequest,
  Note,
  Pipeline,
  Project,
  Upload,
  User,
} from "./model.ts";
import { ACCESS } from "./model.ts";

type Counter =
  | "user"
  | "token"
  | "group"
  | "project"
  | "issue"
  | "mr"
  | "note"
  | "award"
  | "hook"
  | "trigger"
  | "protected"
  | "pipeline"
  | "pipeline_schedule"
  | "job"
  | "delivery"
  | "upload"
  | "version";

export const now = (): string => new Date().toISOString();

export function newSecret(prefix: string, bytes = 20): string {
  return `${prefix}${randomBytes(bytes).toString("base64url")}`;
}

export class SandboxState {
  users = new Map<number, User>();
  tokens = new Map<string, AccessToken>();
  groups = new Map<number, Group>();
  projects = new Map<number, Project>();
  issues = new Map<number, Issue>();
  mergeRequests = new Map<number, MergeRequest>();
  notes = new Map<number, Note>();
  awards = new Map<number, AwardEmoji>();
  pipelines = new Map<number, Pipeline>();
  jobs = new Map<number, Job>();
  deliveries = new Map<number, HookDelivery>();
  uploads = new Map<number, Upload>();
  private counters = new Map<Counter, number>();
  /** Per-project counters for iids (issues, MRs and pipelines number from 1 in each project). */
  private iids = new Map<string, number>();

  nextId(kind: Counter): number {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return n;
  }

  nextIid(projectId: number, kind: "issue" | "mr" | "pipeline"): number {
    const key = `${projectId}:${kind}`;
    const n = (this.iids.get(key) ?? 0) + 1;
    this.iids.set(key, n);
    return n;
  }

  user(id: number): User {
    const u = this.users.get(id);
    if (!u) throw notFound("User");
    return u;
  }

  userByUsername(username: string): User | undefined {
    const lower = username.toLowerCase();
    for (const u of this.users.values()) if (u.username.toLowerCase() === lower) return u;
    return undefined;
  }

  /** A project by numeric id or URL path (`group/sub/project`), as GitLab's `:id` accepts both. */
  findProject(ref: string): Project | undefined {
    if (/^\d+$/.test(ref)) return this.projects.get(Number(ref));
    const lower = ref.toLowerCase();
    for (const p of this.projects.values()) if (p.path_with_namespace.toLowerCase() === lower) return p;
    return undefined;
  }

  groupByPath(fullPath: string): Group | undefined {
    const lower = fullPath.toLowerCase();
    for (const g of this.groups.values()) if (g.full_path.toLowerCase() === lower) return g;
    return undefined;
  }

  /** The effective access level: direct membership, or the highest inherited from the group ancestry. */
  accessLevel(project: Project, userId: number): number {
    let level = project.members.get(userId) ?? ACCESS.none;
    if (project.namespace.kind === "group") {
      let group = this.groups.get(project.namespace.id);
      while (group) {
        level = Math.max(level, group.members.get(userId) ?? ACCESS.none);
        group = group.parent_id === null ? undefined : this.groups.get(group.parent_id);
      }
    } else if (project.namespace.id === userId) {
      level = Math.max(level, ACCESS.owner);
    }
    return level;
  }

  /** Whether the user may see the project at all; GitLab answers 404 rather than 403 when not. */
  canSee(project: Project, user: User): boolean {
    return (
      user.admin || project.visibility !== "private" || this.accessLevel(project, user.id) >= ACCESS.guest
    );
  }

  /** Throws 404 when the project is invisible to the user, 403 when visible but the role is too low. */
  requireAccess(project: Project, user: User, minimum: number): void {
    if (!this.canSee(project, user)) throw notFound("Project");
    if (!user.admin && this.accessLevel(project, user.id) < minimum) throw forbidden();
  }

  notesOf(projectId: number, type: Note["noteable_type"], noteableId: number): Note[] {
    const out: Note[] = [];
    for (const n of this.notes.values()) {
      if (n.project_id === projectId && n.noteable_type === type && n.noteable_id === noteableId) out.push(n);
    }
    return out;
  }

  issueByIid(projectId: number, iid: number): Issue {
    for (const i of this.issues.values()) if (i.project_id === projectId && i.iid === iid) return i;
    throw notFound("Issue");
  }

  mergeRequestByIid(projectId: number, iid: number): MergeRequest {
    for (const m of this.mergeRequests.values()) if (m.project_id === projectId && m.iid === iid) return m;
    throw notFound("Merge Request");
  }

  clear(): void {
    for (const key of Object.keys(this) as Array<keyof this>) {
      const v = this[key];
      if (v instanceof Map) v.clear();
    }
  }
}
