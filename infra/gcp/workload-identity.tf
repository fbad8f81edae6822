# Workload identity federation for GitLab CI: jobs present their ID token, Google's STS checks it against
# this provider (issuer, audience, attribute_condition), and the bindings in vertex-access.tf decide which
# projects may impersonate the service account. No key file exists anywhere.
# https://docs.gitlab.com/ci/cloud_services/google_cloud/

resource "google_iam_workload_identity_pool" "gitlab" {
  project                   = var.project_id
  workload_identity_pool_id = var.pool_id
  display_name              = "agent-bridge GitLab CI"
  description               = "GitLab CI jobs of ${var.gitlab_url} that run agent-bridge"

  depends_on = [google_project_service.required]
}

resource "google_iam_workload_identity_pool_provider" "gitlab" {
  project                            = var.project_id
  workload_identity_pool_id          = google_iam_workload_identity_pool.gitlab.workload_identity_pool_id
  workload_identity_pool_provider_id = var.provider_id
  display_name                       = "GitLab"
  description                        = "OIDC ID tokens of ${var.gitlab_url}"

  attribute_mapping = {
    "google.subject"           = "assertion.sub"
    "attribute.project_id"     = "assertion.project_id"
    "attribute.project_path"   = "assertion.project_path"
    "attribute.namespace_id"   = "assertion.namespace_id"
    "attribute.namespace_path" = "assertion.namespace_path"
    "attribute.ref"            = "assertion.ref"
    "attribute.ref_type"       = "assertion.ref_type"
    "attribute.ref_protected"  = "assertion.ref_protected"
    "attribute.user_login"     = "assertion.user_login"
  }

  attribute_condition = local.attribute_condition

  oidc {
    issuer_uri = var.gitlab_url
    # Empty: the token's aud must be this provider's own resource URL (https://iam.googleapis.com/<name>),
    # which no other relying party accepts.
    allowed_audiences = var.gitlab_audience == null ? [] : [var.gitlab_audience]
  }

  lifecycle {
    precondition {
      condition     = length(var.gitlab_namespace_ids) + length(var.gitlab_project_ids) > 0
      error_message = "The attribute_condition must pin a GitLab group or project by id: set gitlab_namespace_ids or gitlab_project_ids."
    }
  }
}
