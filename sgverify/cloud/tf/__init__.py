"""Static evaluation of Terraform configurations (see ``sgverify.cloud.hcl``)."""
