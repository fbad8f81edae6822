# The hand-off between the receiver and the GitLab work. GitLab never redelivers a failed delivery and
# disables a hook that keeps failing, so the receiver publishes each mention to the tasks topic and answers
# at once; the topic's push subscription calls the worker function, which does the claim, placeholder and
# pipeline. While the worker answers an error (GitLab unavailable) Pub/Sub retries with exponential back-off;
# after max_delivery_attempts the task moves to the dead-letter topic, where a pull subscription keeps it
# for a week (and the sweep may still serve the mention).

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # Pub/Sub's own service agent: it forwards dead letters and signs the push requests' OIDC tokens.
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic" "tasks" {
  project                    = var.project_id
  name                       = "${var.function_name}-tasks"
  labels                     = var.labels
  message_retention_duration = "86400s"

  depends_on = [google_project_service.required]
}

resource "google_pubsub_topic" "dead_letters" {
  project = var.project_id
  name    = "${var.function_name}-dead-letters"
  labels  = var.labels

  depends_on = [google_project_service.required]
}

# The receiver may publish tasks, nothing else.
resource "google_pubsub_topic_iam_member" "receiver_publishes" {
  project = var.project_id
  topic   = google_pubsub_topic.tasks.name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${google_service_account.webhook.email}"
}

# The identity Pub/Sub signs the push requests with: the only invoker of the worker.
resource "google_service_account" "push" {
  project      = var.project_id
  account_id   = "${substr(var.function_name, 0, 25)}-push"
  display_name = "agent-bridge task push"
}

resource "google_service_account_iam_member" "pubsub_signs_push_tokens" {
  service_account_id = google_service_account.push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

resource "google_pubsub_subscription" "tasks" {
  project              = var.project_id
  name                 = "${var.function_name}-tasks"
  topic                = google_pubsub_topic.tasks.id
  labels               = var.labels
  ack_deadline_seconds = 60

  push_config {
    push_endpoint = google_cloudfunctions2_function.worker.service_config[0].uri
    oidc_token {
      service_account_email = google_service_account.push.email
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letters.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }
}

# Keeps what could not be served, for people to read (and replay by publishing it to the tasks topic).
resource "google_pubsub_subscription" "dead_letters" {
  project                    = var.project_id
  name                       = "${var.function_name}-dead-letters"
  topic                      = google_pubsub_topic.dead_letters.id
  labels                     = var.labels
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }
}

# Dead-lettering needs the service agent to publish to the dead-letter topic and to acknowledge on the
# tasks subscription.
resource "google_pubsub_topic_iam_member" "agent_publishes_dead_letters" {
  project = var.project_id
  topic   = google_pubsub_topic.dead_letters.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "agent_acknowledges_tasks" {
  project      = var.project_id
  subscription = google_pubsub_subscription.tasks.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# The worker: the same source, entry point agentBridgeWorker, reachable only through the push subscription.
resource "google_cloudfunctions2_function" "worker" {
  project     = var.project_id
  location    = var.region
  name        = "${var.function_name}-worker"
  description = "agent-bridge: the GitLab work of each mention for ${var.gitlab_url}"
  labels      = var.labels

  build_config {
    runtime         = "nodejs22"
    entry_point     = "agentBridgeWorker"
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
    timeout_seconds                  = 60
    ingress_settings                 = "ALLOW_ALL"
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.webhook.email
    max_instance_request_concurrency = 1

    environment_variables = merge(var.webhook_settings, {
      GITLAB_URL   = var.gitlab_url
      NODE_ENV     = "production"
      NODE_OPTIONS = "--enable-source-maps"
      # The sweep publishes what it finds to the tasks topic, like any delivery.
      TASK_TOPIC           = google_pubsub_topic.tasks.id
      SWEEP_WINDOW_MINUTES = tostring(var.sweep_window_minutes)
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

resource "google_cloud_run_service_iam_member" "push_invokes_worker" {
  project  = var.project_id
  location = google_cloudfunctions2_function.worker.location
  service  = google_cloudfunctions2_function.worker.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.push.email}"
}

# The catch-up sweep: every sweep_every_minutes, Cloud Scheduler asks the worker (as the push identity, its
# only invoker) to find the mentions of the last minutes that no task served and publish them as tasks.
resource "google_cloud_scheduler_job" "sweep" {
  project     = var.project_id
  region      = var.region
  name        = "${var.function_name}-sweep"
  description = "agent-bridge: the catch-up sweep of mentions no delivery brought"
  schedule    = "*/${var.sweep_every_minutes} * * * *"

  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.worker.service_config[0].uri
    headers = {
      "Content-Type" = "application/json"
    }
    body = base64encode(jsonencode({ sweep = true }))

    oidc_token {
      service_account_email = google_service_account.push.email
    }
  }

  depends_on = [google_project_service.required]
}
