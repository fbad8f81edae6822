# The webhook receiver as a 2nd-gen Cloud Function built from the bundled functions/gcp source; it hands
# each mention to the Pub/Sub topic of task-queue.tf and answers. Its
# invoker is allUsers because GitLab cannot authenticate to Google: the handler itself rejects every
# delivery whose X-Gitlab-Token (or signature) does not match the secret, before it parses the body or
# calls GitLab. max_instances caps the cost of a flood. Secrets reach it only as Secret Manager references,
# never as values in this configuration or the state.

resource "google_secret_manager_secret" "created" {
  for_each = local.created_secrets

  project   = var.project_id
  secret_id = "${var.function_name}-${lower(replace(each.value, "_", "-"))}"
  labels    = var.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.required]
}

# The function's runtime identity: it may read its own secrets and nothing else.
resource "google_service_account" "webhook" {
  project      = var.project_id
  account_id   = var.function_name
  display_name = "agent-bridge webhook receiver"
}

resource "google_secret_manager_secret_iam_member" "webhook_reads" {
  for_each = local.function_secrets

  project   = var.project_id
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.webhook.email}"
}

# Cloud Build's identity for this function's builds, with the three roles a source build needs.
resource "google_service_account" "build" {
  project      = var.project_id
  account_id   = "${substr(var.function_name, 0, 24)}-build"
  display_name = "agent-bridge webhook builds"
}

resource "google_project_iam_member" "build" {
  for_each = toset(["roles/logging.logWriter", "roles/artifactregistry.writer", "roles/storage.objectViewer"])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.build.email}"
}

resource "google_storage_bucket" "source" {
  project                     = var.project_id
  name                        = local.source_bucket_name
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = var.labels

  lifecycle_rule {
    condition {
      age = 30
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.required]
}

# The object's name carries the zip's hash: new code, new object, new build; the same code, no change.
resource "google_storage_bucket_object" "source" {
  bucket = google_storage_bucket.source.name
  name   = "${var.function_name}-${filesha256(var.source_archive_path)}.zip"
  source = var.source_archive_path
}

resource "google_cloudfunctions2_function" "webhook" {
  project     = var.project_id
  location    = var.region
  name        = var.function_name
  description = "agent-bridge: GitLab Note Hook receiver for ${var.gitlab_url}"
  labels      = var.labels

  build_config {
    runtime         = "nodejs22"
    entry_point     = "agentBridgeWebhook"
    service_account = google_service_account.build.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    min_instance_count               = 0
    max_instance_count               = var.max_instances
    available_memory                 = var.memory
    timeout_seconds                  = var.timeout_seconds
    ingress_settings                 = "ALLOW_ALL"
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.webhook.email
    max_instance_request_concurrency = 1

    environment_variables = merge(var.webhook_settings, {
      GITLAB_URL   = var.gitlab_url
      NODE_ENV     = "production"
      NODE_OPTIONS = "--enable-source-maps"
      TASK_TOPIC   = google_pubsub_topic.tasks.id
    })

    dynamic "secret_environment_variables" {
      for_each = local.function_secrets

      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  depends_on = [
    google_secret_manager_secret_iam_member.webhook_reads,
    google_project_iam_member.build,
  ]
}

# Public invoke (the handler checks its own secret). For a 2nd-gen function the invoker role lives on the
# Cloud Run service behind it.
resource "google_cloud_run_service_iam_member" "public_invoker" {
  project  = var.project_id
  location = google_cloudfunctions2_function.webhook.location
  service  = google_cloudfunctions2_function.webhook.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}
