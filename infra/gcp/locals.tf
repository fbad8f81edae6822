locals {
  # The secrets the function reads, as environment variable => secret ID.
  function_secrets = merge(
    {
      WEBHOOK_SECRET = var.webhook_secret_id != null ? var.webhook_secret_id : google_secret_manager_secret.created["WEBHOOK_SECRET"].secret_id
      GITLAB_TOKEN   = var.gitlab_token_secret_id != null ? var.gitlab_token_secret_id : google_secret_manager_secret.created["GITLAB_TOKEN"].secret_id
    },
    var.extra_secret_ids,
  )
  created_secrets = toset(concat(
    var.webhook_secret_id == null ? ["WEBHOOK_SECRET"] : [],
    var.gitlab_token_secret_id == null ? ["GITLAB_TOKEN"] : [],
  ))

  source_bucket_name = var.source_bucket_name != null ? var.source_bucket_name : "${var.project_id}-agent-bridge-source"

  apis = toset([
    "aiplatform.googleapis.com",
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudscheduler.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
    "sts.googleapis.com",
  ])
}
