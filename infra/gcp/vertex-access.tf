# The identity CI jobs use for Vertex AI: a service account that may call models (roles/aiplatform.user)
# and nothing else, impersonable only by the principalSet of each listed project path. Never bind the
# whole pool (principalSet://…/*) or a namespace: a binding names one project.

resource "google_service_account" "vertex" {
  project      = var.project_id
  account_id   = var.vertex_service_account_id
  display_name = "agent-bridge CI jobs (Vertex AI)"
  description  = "Impersonated by GitLab CI jobs of ${join(", ", var.allowed_project_paths)} through workload identity federation"
}

resource "google_project_iam_member" "vertex_user" {
  project = var.project_id
  role    = "roles/aiplatform.user"
  member  = "serviceAccount:${google_service_account.vertex.email}"
}

resource "google_service_account_iam_member" "workload_identity_user" {
  for_each = toset(var.allowed_project_paths)

  service_account_id = google_service_account.vertex.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gitlab.name}/attribute.project_path/${each.value}"
}
