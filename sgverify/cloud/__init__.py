"""Cloud inputs and outputs: Alibaba Cloud API JSON, Terraform (plan, state, .tf), ROS, AWS,
flow files, read into syntax documents; and the export back to Alibaba JSON."""
