# What the CI template and the GitLab webhook need, and the secrets to fill.

output "workload_identity_provider" {
  description = "CI/CD variable GCP_WORKLOAD_IDENTITY_PROVIDER: the pool provider's resource name."
  value       = google_iam_workload_identity_pool_provider.gitlab.name
}

output "service_account_email" {
  description = "CI/CD variable GCP_SERVICE_ACCOUNT: the service account the jobs impersonate."
  value       = google_service_account.vertex.email
}

output "id_token_audience" {
  description = "The aud of the CI template's id_tokens entry (AGENT_BRIDGE_ID_TOKEN)."
  value       = var.gitlab_audience != null ? var.gitlab_audience : "https://iam.googleapis.com/${google_iam_workload_identity_pool_provider.gitlab.name}"
}

output "ci_variables" {
  description = "The CI/CD variables of the projects that use provider vertex (add CLOUD_ML_REGION for the model's region)."
  value = {
    GCP_WORKLOAD_IDENTITY_PROVIDER = google_iam_workload_identity_pool_provider.gitlab.name
    GCP_SERVICE_ACCOUNT            = google_service_account.vertex.email
    ANTHROPIC_VERTEX_PROJECT_ID    = var.project_id
  }
}

output "function_url" {
  description = "The GitLab webhook's URL (Settings > Webhooks, trigger: Comments)."
  value       = google_cloudfunctions2_function.webhook.url
}

output "webhook_secret_id" {
  description = "Secret Manager secret that holds the webhook's secret token."
  value       = local.function_secrets["WEBHOOK_SECRET"]
}

output "gitlab_token_secret_id" {
  description = "Secret Manager secret that holds the bridge user's GitLab token."
  value       = local.function_secrets["GITLAB_TOKEN"]
}

output "dead_letter_subscription" {
  description = "The pull subscription that keeps mention tasks the worker could not serve."
  value       = google_pubsub_subscription.dead_letters.id
}
