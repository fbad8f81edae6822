locals {
  # The condition every ID token must meet before any binding is even looked at. GitLab.com is one issuer
  # shared by every tenant, so the group or project is pinned by numeric id (ids are never reused; a path
  # can be renamed and re-registered), and only by exact membership: never startsWith() or another prefix
  # match, under which "grp" would also admit "grp-evil". Ids and refs are validated, so they cannot break
  # out of the CEL string literals jsonencode() makes of them.
  pinned_by_namespace = length(var.gitlab_namespace_ids) > 0 ? "assertion.namespace_id in ${jsonencode(var.gitlab_namespace_ids)}" : ""
  pinned_by_project   = length(var.gitlab_project_ids) > 0 ? "assertion.project_id in ${jsonencode(var.gitlab_project_ids)}" : ""
  pin_condition       = "(${join(" || ", compact([local.pinned_by_namespace, local.pinned_by_project]))})"
  ref_condition       = length(var.allowed_refs) > 0 ? "assertion.ref in ${jsonencode(var.allowed_refs)}" : ""
  attribute_condition = join(" && ", compact([local.pin_condition, local.ref_condition]))
}
