// Project access tokens and webhook edits as GitLab serves them, through gitbeaker (the independent client):
// https://docs.gitlab.com/api/project_access_tokens/ and ResourceAccessTokens::CreateService / RevokeService
// (a bot user per token, a member at the token's role, Maintainer by default, Owner only from an Owner);
// https://docs.gitlab.com/api/project_webhooks/#edit-a-project-webhook (url required, the rest kept).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "../../../sandbox/admin-client.ts";
import { gitlab, startWorld, type World } from "./api-fixtures.ts";

let world: World;

beforeAll(async () => {
  world = await startWorld("tokens");
});

afterAll(async () => {
  await world.sandbox.close();
});

describe("project access tokens", () => {
  it("makes a bot user, a member at the token's role, whose token works once shown", async () => {
    const api = gitlab(world, world.maintainer);
    const created = await api.ProjectAccessTokens.create(
      world.project.id,
      "Claude",
      ["api", "write_repository"],
      "2099-01-31",
      {
        accessLevel: 30,
      },
    );
    expect(created).toMatchObject({
      name: "Claude",
      scopes: ["api", "write_repository"],
      active: true,
      revoked: false,
      access_level: 30,
      expires_at: "2099-01-31",
    });
    const token = String(created.token);
    const me = await new RestClient(world.sandbox.url, token).ok<{
      id: number;
      username: string;
      name: string;
      bot: boolean;
    }>("GET", "/user");
    expect(me).toMatchObject({ id: created.user_id, name: "Claude", bot: true });
    expect(me.username).toMatch(new RegExp(`^project_${world.project.id}_bot_[0-9a-f]{32}$`));
    const member = await world.admin.ok<{ access_level: number }>(
      "GET",
      `/projects/${world.project.id}/members/all/${me.id}`,
    );
    expect(member.access_level).toBe(30);

    // The token's value is shown in the answer to its creation only.
    const listed = await api.ProjectAccessTokens.all(world.project.id);
    expect(listed.find((t) => t.id === created.id)).not.toHaveProperty("token");

    // Revoked: the token stops working and the bot leaves the project.
    await api.ProjectAccessTokens.revoke(world.project.id, created.id);
    expect((await new RestClient(world.sandbox.url, token).call("GET", "/user")).status).toBe(401);
    expect((await world.admin.call("GET", `/projects/${world.project.id}/members/all/${me.id}`)).status).toBe(
      404,
    );
  });

  it("defaults to Maintainer and keeps Owner for Owners, and is for Maintainers only", async () => {
    const maintainer = new RestClient(world.sandbox.url, world.maintainer.token);
    const plain = await maintainer.ok<{ access_level: number }>(
      "POST",
      `/projects/${world.project.id}/access_tokens`,
      { name: "bot", scopes: ["api"] },
    );
    expect(plain.access_level).toBe(40);
    const owner = await maintainer.call<{ message: string }>(
      "POST",
      `/projects/${world.project.id}/access_tokens`,
      { name: "boss", scopes: ["api"], access_level: 50 },
    );
    expect(owner).toMatchObject({
      status: 400,
      body: { message: "Could not provision owner access to project access token" },
    });
    const dev = await world.dev.client.call("POST", `/projects/${world.project.id}/access_tokens`, {
      name: "mine",
      scopes: ["api"],
    });
    expect(dev.status).toBe(403);
    const badScope = await maintainer.call("POST", `/projects/${world.project.id}/access_tokens`, {
      name: "x",
      scopes: ["sudo"],
    });
    expect(badScope.status).toBe(400);
  });
});

describe("editing a webhook", () => {
  it("changes what is given and keeps the rest", async () => {
    const admin = world.admin;
    const hook = await admin.ok<{ id: number }>("POST", `/projects/${world.project.id}/hooks`, {
      url: "https://a.example/webhook",
      token: "one",
      push_events: true,
    });
    const edited = await gitlab(world, world.maintainer).ProjectHooks.edit(
      world.project.id,
      hook.id,
      "https://b.example/webhook",
      { noteEvents: true },
    );
    expect(edited).toMatchObject({ url: "https://b.example/webhook", note_events: true, push_events: true });
    expect(edited).not.toHaveProperty("token");
    const noUrl = await admin.call("PUT", `/projects/${world.project.id}/hooks/${hook.id}`, {
      note_events: false,
    });
    expect(noUrl.status).toBe(400);
  });
});
