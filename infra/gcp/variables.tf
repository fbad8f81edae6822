# Inputs of the agent-bridge module. Every variable that shapes the trust has a validation block: a wrong
# value fails `terraform plan` with a message saying what was expected, before anything is created.

variable "project_id" {
  description = "The Google Cloud project that holds the pool, the service accounts, the function and the secrets."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID (6 to 30 lowercase letters, digits or hyphens, starting with a letter), not a project number or name."
  }
}

variable "region" {
  description = "Region of the Cloud Function and its source bucket, e.g. europe-west1."
  type        = string
  default     = "us-central1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region name such as us-central1 or europe-west1."
  }
}

variable "gitlab_url" {
  description = "Base URL of the GitLab instance: the webhook's API base and the issuer (iss) of its CI ID tokens."
  type        = string
  default     = "https://gitlab.com"

  validation {
    condition     = can(regex("^https://[^/?#@:[:space:]]+(/[^?#[:space:]]*[^/?#[:space:]])?$", var.gitlab_url))
    error_message = "gitlab_url must be the instance's https URL without a trailing slash, port, query or /api/v4, e.g. https://gitlab.example.com."
  }
}

variable "gitlab_audience" {
  description = "The aud of the CI ID token (id_tokens: AGENT_BRIDGE_ID_TOKEN: aud:). Default: the pool provider's full resource URL, https://iam.googleapis.com/<provider name>."
  type        = string
  default     = null

  validation {
    condition     = var.gitlab_audience == null || can(regex("^[^[:space:]]{1,255}$", var.gitlab_audience))
    error_message = "gitlab_audience must be a non-empty string without spaces (at most 255 characters), or null."
  }
}

variable "gitlab_namespace_ids" {
  description = "Numeric ids of the GitLab groups (namespaces) whose CI jobs the pool accepts at all. Pinned in the provider's attribute_condition; required, with gitlab_project_ids, on a shared issuer like gitlab.com."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.gitlab_namespace_ids : can(regex("^[1-9][0-9]*$", id))])
    error_message = "gitlab_namespace_ids must hold numeric group ids as strings, e.g. [\"12345678\"] (the group's overview page shows its id); paths are not accepted because a path can be re-registered."
  }
}

variable "gitlab_project_ids" {
  description = "Numeric ids of single GitLab projects whose CI jobs the pool accepts, in addition to gitlab_namespace_ids."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.gitlab_project_ids : can(regex("^[1-9][0-9]*$", id))])
    error_message = "gitlab_project_ids must hold numeric project ids as strings, e.g. [\"45678901\"]."
  }

  validation {
    condition     = length(var.gitlab_namespace_ids) + length(var.gitlab_project_ids) > 0
    error_message = "Set gitlab_namespace_ids or gitlab_project_ids (or both): the provider's attribute_condition must pin the GitLab group or project by id, since every gitlab.com tenant shares one issuer."
  }
}

variable "allowed_project_paths" {
  description = "Full paths of the GitLab projects whose jobs may impersonate the Vertex AI service account (roles/iam.workloadIdentityUser on principalSet://…/attribute.project_path/<path>). Case-sensitive, as GitLab shows them."
  type        = list(string)

  validation {
    condition     = length(var.allowed_project_paths) > 0
    error_message = "allowed_project_paths must name at least one project, e.g. [\"my-group/my-project\"]."
  }

  validation {
    condition     = alltrue([for path in var.allowed_project_paths : can(regex("^[A-Za-z0-9_.][A-Za-z0-9_.-]*(/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$", path))])
    error_message = "allowed_project_paths must hold full project paths like group/project or group/subgroup/project, without wildcards, spaces or leading and trailing slashes."
  }
}

variable "allowed_refs" {
  description = "Optional: branch or tag names (exact) whose jobs the pool accepts, e.g. [\"main\"]. Empty: any ref of the pinned projects."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for ref in var.allowed_refs : can(regex("^[A-Za-z0-9_./+@#%-]+$", ref)) && !can(regex("\\.\\.", ref))])
    error_message = "allowed_refs must hold exact branch or tag names (letters, digits and _ . / + @ # % -); wildcards and quotes are not accepted."
  }
}

variable "pool_id" {
  description = "ID of the workload identity pool."
  type        = string
  default     = "agent-bridge-gitlab"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{2,30}[a-z0-9]$", var.pool_id)) && !startswith(var.pool_id, "gcp-")
    error_message = "pool_id must be 4 to 32 lowercase letters, digits or hyphens, not starting with gcp-."
  }
}

variable "provider_id" {
  description = "ID of the GitLab provider inside the pool."
  type        = string
  default     = "gitlab"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{2,30}[a-z0-9]$", var.provider_id)) && !startswith(var.provider_id, "gcp-")
    error_message = "provider_id must be 4 to 32 lowercase letters, digits or hyphens, not starting with gcp-."
  }
}

variable "vertex_service_account_id" {
  description = "Account ID of the service account the CI jobs impersonate to call Vertex AI."
  type        = string
  default     = "agent-bridge-vertex"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.vertex_service_account_id))
    error_message = "vertex_service_account_id must be 6 to 30 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "function_name" {
  description = "Name of the webhook's Cloud Function (and of its runtime service account, prefix of the secrets)."
  type        = string
  default     = "agent-bridge-webhook"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.function_name))
    error_message = "function_name must be 6 to 30 lowercase letters, digits or hyphens, starting with a letter (it also names a service account)."
  }
}

variable "source_archive_path" {
  description = "Path of the function's source zip built by `npx tsx infra/gcp/tooling/bundle-source.ts` (default output dist/gcp-function/agent-bridge-webhook.zip)."
  type        = string

  validation {
    condition     = endswith(var.source_archive_path, ".zip") && fileexists(var.source_archive_path)
    error_message = "source_archive_path must point at the built zip; run `npx tsx infra/gcp/tooling/bundle-source.ts` in the agent-bridge checkout first."
  }
}

variable "webhook_secret_id" {
  description = "Existing Secret Manager secret (ID in project_id) that holds the webhook's secret token. Null: the module creates an empty secret; add a version with `gcloud secrets versions add`."
  type        = string
  default     = null

  validation {
    condition     = var.webhook_secret_id == null || can(regex("^[A-Za-z0-9_-]{1,255}$", var.webhook_secret_id))
    error_message = "webhook_secret_id must be a secret ID (letters, digits, _ or -), or null to create one."
  }
}

variable "gitlab_token_secret_id" {
  description = "Existing Secret Manager secret (ID in project_id) that holds the bridge user's GitLab token. Null: the module creates an empty secret."
  type        = string
  default     = null

  validation {
    condition     = var.gitlab_token_secret_id == null || can(regex("^[A-Za-z0-9_-]{1,255}$", var.gitlab_token_secret_id))
    error_message = "gitlab_token_secret_id must be a secret ID (letters, digits, _ or -), or null to create one."
  }
}

variable "extra_secret_ids" {
  description = "Other secret settings of the receiver, read from existing Secret Manager secrets: setting name => secret ID. Allowed names: WEBHOOK_SECRET_KEY (per-project and per-group webhook secrets), WEBHOOK_SIGNING_SECRET, TRIGGER_TOKEN, TRIGGER_TOKENS."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.extra_secret_ids) : contains(["WEBHOOK_SECRET_KEY", "WEBHOOK_SIGNING_SECRET", "TRIGGER_TOKEN", "TRIGGER_TOKENS"], name)])
    error_message = "extra_secret_ids keys must be among WEBHOOK_SECRET_KEY, WEBHOOK_SIGNING_SECRET, TRIGGER_TOKEN, TRIGGER_TOKENS (WEBHOOK_SECRET and GITLAB_TOKEN have their own variables)."
  }

  validation {
    condition     = alltrue([for id in values(var.extra_secret_ids) : can(regex("^[A-Za-z0-9_-]{1,255}$", id))])
    error_message = "extra_secret_ids values must be secret IDs in project_id (letters, digits, _ or -)."
  }
}

variable "webhook_settings" {
  description = "The receiver's plain settings as environment variables (see the README's settings table), e.g. { ALLOWED_GROUPS = \"my-group\" }. Secrets never go here."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([for name in keys(var.webhook_settings) : contains([
      "MIN_ACCESS_LEVEL", "ALLOWED_BOTS", "DENIED_USERS", "ALLOWED_USERS", "CLAUDE_ALIASES", "CODEX_ALIASES",
      "ENABLED_ASSISTANTS", "ALLOWED_PROJECTS",
      "ALLOWED_GROUPS", "DISPATCH_MODE", "DISPATCH_EVENT_AS", "PIPELINE_REF", "CLAIM_GRACE_SECONDS",
      "BRIDGE_USER_ID", "HANDLE_EDITS", "MAX_BODY_BYTES", "DEADLINE_MS", "SIGNATURE_TOLERANCE_SECONDS",
      "ISSUABLE_TRIGGERS", "CLAUDE_LABELS", "CODEX_LABELS", "ASSIGNMENT_ASSISTANT", "AUTO_REVIEW",
      "AUTO_REVIEW_PROJECTS",
    ], name)])
    error_message = "webhook_settings keys must be plain receiver settings (MIN_ACCESS_LEVEL, ALLOWED_GROUPS, DISPATCH_MODE, ...). GITLAB_URL is gitlab_url; secrets (GITLAB_TOKEN, WEBHOOK_SECRET, WEBHOOK_SECRET_KEY, WEBHOOK_SIGNING_SECRET, TRIGGER_TOKEN, TRIGGER_TOKENS) come from Secret Manager."
  }
}

variable "max_instances" {
  description = "Most instances of the function at once; caps what a flood of unauthenticated requests can cost."
  type        = number
  default     = 10

  validation {
    condition     = var.max_instances >= 1 && var.max_instances <= 100 && floor(var.max_instances) == var.max_instances
    error_message = "max_instances must be a whole number from 1 to 100."
  }
}

variable "memory" {
  description = "Memory of each function instance, e.g. 256Mi."
  type        = string
  default     = "256Mi"

  validation {
    condition     = can(regex("^[0-9]+(M|Mi|G|Gi)$", var.memory))
    error_message = "memory must be a size such as 256Mi or 1Gi."
  }
}

variable "timeout_seconds" {
  description = "Request timeout of the function. GitLab waits 10 s for an answer."
  type        = number
  default     = 15

  validation {
    condition     = var.timeout_seconds >= 10 && var.timeout_seconds <= 60
    error_message = "timeout_seconds must be from 10 (GitLab's own timeout) to 60."
  }
}

variable "source_bucket_name" {
  description = "Name of the bucket for the function's source. Null: <project_id>-agent-bridge-source."
  type        = string
  default     = null

  validation {
    condition     = var.source_bucket_name == null || can(regex("^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$", var.source_bucket_name))
    error_message = "source_bucket_name must be a valid bucket name (3 to 63 lowercase letters, digits, -, _ or .)."
  }
}

variable "enable_apis" {
  description = "Enable the Google Cloud APIs the module needs (never disabled on destroy)."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Labels put on the function, the bucket and the secrets."
  type        = map(string)
  default     = {}
}

variable "max_delivery_attempts" {
  description = "How many times Pub/Sub hands a mention task to the worker (with back-off from 10 s to 10 min) before it moves to the dead-letter topic."
  type        = number
  default     = 10

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be a whole number from 5 to 100 (Pub/Sub's limits for a dead-letter policy)."
  }
}

variable "sweep_every_minutes" {
  description = "How often (in minutes, dividing 60) Cloud Scheduler runs the catch-up sweep of mentions no delivery brought."
  type        = number
  default     = 5

  validation {
    condition     = contains([1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30], var.sweep_every_minutes)
    error_message = "sweep_every_minutes must divide an hour evenly and be at most 30 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30)."
  }
}

variable "sweep_window_minutes" {
  description = "How far back (in minutes) each catch-up sweep looks in the projects' comment events (the worker's SWEEP_WINDOW_MINUTES). At least sweep_every_minutes, so no minute falls between two sweeps."
  type        = number
  default     = 10

  validation {
    condition     = var.sweep_window_minutes >= 1 && var.sweep_window_minutes <= 1440 && floor(var.sweep_window_minutes) == var.sweep_window_minutes
    error_message = "sweep_window_minutes must be a whole number of minutes from 1 to 1440."
  }

  validation {
    condition     = var.sweep_window_minutes >= var.sweep_every_minutes
    error_message = "sweep_window_minutes must be at least sweep_every_minutes: a shorter window leaves the mentions between two sweeps unread."
  }
}
