# A root module that deploys agent-bridge on Google Cloud: the webhook receiver and the trust that lets
# the CI jobs of one GitLab group's projects call Claude on Vertex AI. See docs/deploy-gcp.md.
#
#   npx tsx infra/gcp/tooling/bundle-source.ts        # in the repository root, builds the function's zip
#   cd infra/gcp/examples/basic
#   cp terraform.tfvars.example terraform.tfvars       # then edit it
#   terraform init && terraform apply

terraform {
  required_version = ">= 1.9"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 8.0"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

variable "project_id" {
  description = "The Google Cloud project to deploy into."
  type        = string
}

variable "region" {
  description = "Region of the webhook function."
  type        = string
  default     = "europe-west1"
}

variable "gitlab_url" {
  description = "The GitLab instance."
  type        = string
  default     = "https://gitlab.com"
}

variable "gitlab_group_id" {
  description = "Numeric id of the GitLab group whose projects use agent-bridge."
  type        = string
}

variable "gitlab_project_paths" {
  description = "Full paths of the projects whose CI jobs may call Vertex AI."
  type        = list(string)
}

module "agent_bridge" {
  source = "../.."

  project_id            = var.project_id
  region                = var.region
  gitlab_url            = var.gitlab_url
  gitlab_namespace_ids  = [var.gitlab_group_id]
  allowed_project_paths = var.gitlab_project_paths
  source_archive_path   = "${path.module}/../../../../dist/gcp-function/agent-bridge-webhook.zip"

  webhook_settings = {
    MIN_ACCESS_LEVEL = "developer"
  }
}

output "function_url" {
  description = "Paste into the GitLab webhook (Settings > Webhooks, trigger: Comments)."
  value       = module.agent_bridge.function_url
}

output "ci_variables" {
  description = "CI/CD variables for the projects (Settings > CI/CD > Variables)."
  value       = module.agent_bridge.ci_variables
}

output "id_token_audience" {
  description = "The aud of AGENT_BRIDGE_ID_TOKEN in the CI template."
  value       = module.agent_bridge.id_token_audience
}

output "secrets_to_fill" {
  description = "Add a version to each: printf %s VALUE | gcloud secrets versions add ID --data-file=-"
  value = {
    webhook_secret = module.agent_bridge.webhook_secret_id
    gitlab_token   = module.agent_bridge.gitlab_token_secret_id
  }
}
